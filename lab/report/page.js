/*
 * The report page's script: plain ES2017, inlined into the HTML after uPlot (the global `uPlot`). It draws
 * the plots from the embedded data (dates on the time axis, units on the axes, round ticks, a tooltip, and
 * injected attacks and alarms marked in time) and filters the batches table. Each plot marks itself
 * data-rendered="true" once drawn, or data-error="..." when it could not be; one failing plot does not stop
 * the others. Every text from the data goes into the page as text, never as HTML.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var T = data.time;
  var HEIGHT = 270;
  var LOAD = "#1f5fa8",
    GENERATION = "#2e9e44",
    ATTACK = "#c62828",
    ALARM = "#e08a00";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"];
  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var AXIS_FONT = "11px system-ui, sans-serif";
  var LABEL_FONT = "bold 11px system-ui, sans-serif";
  /** Tick steps a person reads at a glance: 1, 2 and 5 times a power of ten. */
  var ROUND_STEPS = [];
  for (var e = -3; e <= 9; e++) {
    [1, 2, 5].forEach(function (m) {
      ROUND_STEPS.push(Number((m * Math.pow(10, e)).toPrecision(1)));
    });
  }

  // ---- time: grid period p covers [start(p), start(p + 1)) of the data's time (UTC)
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function utc(s) {
    return new Date(s * 1000);
  }
  function day(s) {
    var d = utc(s);
    return DAYS[d.getUTCDay()] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()];
  }
  function clock(s) {
    var d = utc(s);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function stamp(s) {
    return day(s) + " " + utc(s).getUTCFullYear() + " " + clock(s);
  }
  function start(p) {
    return T.dataStart + p * T.periodSeconds;
  }
  function middle(p) {
    return start(p) + T.periodSeconds / 2;
  }
  function when(p) {
    return stamp(start(p)) + "-" + clock(start(p + 1)) + " UTC";
  }
  function onChain(p) {
    return "grid period " + p + "; on chain " + stamp(T.chainEpoch + p * T.periodSeconds) + " UTC";
  }
  function num(v, digits) {
    return v.toLocaleString("en-US", { maximumFractionDigits: digits });
  }
  function kwh(wh) {
    return wh / 1000;
  }
  function short(s) {
    return /^0x[0-9a-fA-F]{40}$/.test(s) ? s.slice(0, 8) + "…" + s.slice(-4) : s;
  }

  // ---- what happened when: injected attacks (A1, A2, ... as in the attacks table) and alarms
  var marks = [];
  data.attacks.forEach(function (a, i) {
    if (a.period != null)
      marks.push({
        period: a.period,
        attack: true,
        label: "A" + (i + 1),
        text: "A" + (i + 1) + ": " + a.scenario,
      });
  });
  data.events.forEach(function (ev) {
    marks.push({ period: ev.period, attack: false, text: ev.kind + " (" + short(ev.subject) + ")" });
  });
  function marksAt(p) {
    return marks.filter(function (m) {
      return m.period === p;
    });
  }

  // ---- axes
  function timeAxis(fig) {
    var first = data.periods.length ? data.periods[0].period : 0;
    var last = data.periods.length ? data.periods[data.periods.length - 1].period : 0;
    var y0 = utc(start(first)).getUTCFullYear(),
      y1 = utc(start(last)).getUTCFullYear();
    return {
      label: "date and time of the data (UTC, " + (y0 === y1 ? y0 : y0 + "-" + y1) + ")",
      labelFont: LABEL_FONT,
      font: AXIS_FONT,
      labelSize: 18,
      size: 50,
      space: 62,
      incrs: [4 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400],
      values: function (u, splits) {
        var out = splits.map(function (s) {
          return s % 86400 === 0 ? DAYS[utc(s).getUTCDay()] + "\n" + day(s).slice(4) : clock(s);
        });
        fig.setAttribute("data-x-ticks", out.join("|").replace(/\n/g, " "));
        return out;
      },
    };
  }
  function valueAxis(fig, label, format) {
    return {
      label: label,
      labelFont: LABEL_FONT,
      font: AXIS_FONT,
      labelSize: 18,
      size: 52,
      space: 36,
      incrs: ROUND_STEPS,
      values: function (u, splits) {
        var out = splits.map(format);
        fig.setAttribute("data-y-ticks", splits.join("|"));
        return out;
      },
    };
  }
  function categoryAxis(label, names) {
    return {
      label: label,
      labelFont: LABEL_FONT,
      font: AXIS_FONT,
      labelSize: 18,
      size: 50,
      grid: { show: false },
      splits: function () {
        return names.map(function (_, i) {
          return i;
        });
      },
      values: function (u, splits) {
        return splits.map(function (i) {
          return names[i] == null ? "" : names[i];
        });
      },
    };
  }
  /** A value range that keeps zero in view, with headroom, on round ticks at both ends. */
  function withZero(u, min, max) {
    var lo = Math.min(0, min),
      hi = Math.max(0, max);
    if (lo === hi) hi = lo + 1;
    var step = ROUND_STEPS.filter(function (s) {
      return s >= (hi - lo) / 5;
    })[0];
    return [
      Math.floor((lo < 0 ? lo - step / 5 : 0) / step) * step,
      Math.ceil((hi > 0 ? hi + step / 5 : 0) / step) * step,
    ];
  }

  // ---- plugins
  /** Shades each marked period; attacks get their label on top, alarms a triangle on the time axis. */
  function markersPlugin(fig) {
    return {
      hooks: {
        draw: function (u) {
          var ctx = u.ctx,
            b = u.bbox,
            px = uPlot.pxRatio,
            stacked = {},
            shown = 0;
          ctx.save();
          [false, true].forEach(function (attacks) {
            marks.forEach(function (m) {
              if (m.attack !== attacks) return;
              var x0 = u.valToPos(start(m.period), "x", true),
                x1 = u.valToPos(start(m.period + 1), "x", true);
              if (x1 < b.left || x0 > b.left + b.width) return;
              shown++;
              var color = m.attack ? ATTACK : ALARM,
                xc = (x0 + x1) / 2;
              ctx.globalAlpha = m.attack ? 0.18 : 0.14;
              ctx.fillStyle = color;
              ctx.fillRect(x0, b.top, Math.max(x1 - x0, 2 * px), b.height);
              ctx.globalAlpha = 1;
              if (m.attack) {
                var k = (stacked[m.period] = (stacked[m.period] || 0) + 1);
                ctx.font = "bold " + 10 * px + "px system-ui, sans-serif";
                ctx.textAlign = "center";
                ctx.fillText(m.label, xc, b.top + 11 * px * k);
              } else {
                var y = b.top + b.height;
                ctx.beginPath();
                ctx.moveTo(xc - 5 * px, y);
                ctx.lineTo(xc + 5 * px, y);
                ctx.lineTo(xc, y - 8 * px);
                ctx.closePath();
                ctx.fill();
              }
            });
          });
          ctx.restore();
          fig.setAttribute("data-marks", String(shown));
        },
      },
    };
  }

  /** A tooltip at the cursor: `describe(u, idx)` gives its title and lines ({text, color?}). */
  function tooltipPlugin(describe) {
    var tip;
    function hide() {
      tip.style.display = "none";
    }
    return {
      hooks: {
        init: function (u) {
          tip = document.createElement("div");
          tip.className = "tip";
          hide();
          u.over.appendChild(tip);
          u.over.addEventListener("mouseleave", hide);
        },
        setCursor: function (u) {
          var i = u.cursor.idx;
          if (i == null || u.cursor.left == null || u.cursor.left < 0) return hide();
          var d = describe(u, i);
          tip.textContent = "";
          var title = document.createElement("b");
          title.textContent = d.title;
          tip.appendChild(title);
          d.lines.forEach(function (l) {
            var line = document.createElement("div");
            if (l.color) {
              var swatch = document.createElement("i");
              swatch.style.background = l.color;
              line.appendChild(swatch);
            }
            line.appendChild(document.createTextNode(l.text));
            tip.appendChild(line);
          });
          tip.style.display = "block";
          var left = u.cursor.left + 14;
          if (left + tip.offsetWidth > u.over.clientWidth) left = u.cursor.left - tip.offsetWidth - 14;
          tip.style.left = Math.max(0, left) + "px";
          tip.style.top = Math.max(0, Math.min(u.cursor.top + 14, u.over.clientHeight - 40)) + "px";
        },
      },
    };
  }

  function markLines(p) {
    return marksAt(p).map(function (m) {
      return { text: m.text, color: m.attack ? ATTACK : ALARM };
    });
  }

  // ---- charts
  var charts = [];
  /** Draw one plot; returns how many values it shows. */
  function plot(fig, opts, xs, ys) {
    var drawn = {};
    opts.width = Math.max(320, fig.clientWidth);
    opts.height = HEIGHT;
    opts.legend = { live: false };
    opts.hooks = {
      drawSeries: [
        function (u, i) {
          drawn[i] = true;
        },
      ],
      draw: [
        function () {
          fig.setAttribute("data-series-drawn", String(Object.keys(drawn).length));
          fig.setAttribute("data-rendered", "true");
        },
      ],
    };
    charts.push({ fig: fig, chart: new uPlot(opts, [xs].concat(ys), fig) });
    return ys.length * xs.length;
  }

  function timePlot(fig, periods, series, yAxis, describe) {
    if (!periods.length) throw new Error("plot " + fig.dataset.plot + " has no data");
    var first = periods[0],
      last = periods[periods.length - 1];
    return plot(
      fig,
      {
        tzDate: function (s) {
          return uPlot.tzDate(utc(s), "Etc/UTC");
        },
        scales: {
          x: {
            time: true,
            range: function () {
              return [start(first), start(last + 1)];
            },
          },
          y: { range: yAxis.range || withZero },
        },
        axes: [timeAxis(fig), valueAxis(fig, yAxis.label, yAxis.format)],
        series: [{}].concat(
          series.map(function (s) {
            return { label: s.label, stroke: s.color, width: 1.6, fill: s.fill, points: { show: false } };
          }),
        ),
        plugins: [markersPlugin(fig), tooltipPlugin(describe)],
      },
      periods.map(middle),
      series.map(function (s) {
        return s.values;
      }),
    );
  }

  function barPlot(fig, names, xLabel, series, yLabel, yFormat, describe) {
    var group = 0.8,
      width = group / series.length;
    return plot(
      fig,
      {
        scales: {
          x: {
            time: false,
            range: function () {
              return [-0.5, names.length - 0.5];
            },
          },
          y: { range: withZero },
        },
        axes: [categoryAxis(xLabel, names), valueAxis(fig, yLabel, yFormat)],
        cursor: { points: { show: false }, drag: { x: false, y: false } },
        series: [{}].concat(
          series.map(function (s, k) {
            return {
              label: s.label,
              stroke: s.color,
              fill: s.color,
              width: 0,
              points: { show: false },
              paths: uPlot.paths.bars({
                disp: {
                  x0: {
                    unit: 1,
                    values: function (u) {
                      return u.data[0].map(function (x) {
                        return x - group / 2 + k * width;
                      });
                    },
                  },
                  size: {
                    unit: 1,
                    values: function () {
                      return [width * 0.92];
                    },
                  },
                  fill: s.colors && {
                    unit: 3,
                    values: function (u) {
                      return u.data[k + 1].map(s.colors);
                    },
                  },
                },
              }),
            };
          }),
        ),
        plugins: [tooltipPlugin(describe)],
      },
      names.map(function (_, i) {
        return i;
      }),
      series.map(function (s) {
        return s.values;
      }),
    );
  }

  var energyAxis = function (v) {
    return num(v, 3);
  };
  var percent = function (v) {
    return num(v * 100, 1) + "%";
  };

  var renderers = {
    "load-generation": function (fig) {
      var id = Number(fig.dataset.cluster);
      var ps = data.periods.filter(function (p) {
        return p.clusterId === id;
      });
      return timePlot(
        fig,
        ps.map(function (p) {
          return p.period;
        }),
        [
          {
            label: "load",
            color: LOAD,
            values: ps.map(function (p) {
              return kwh(p.loadWh);
            }),
          },
          {
            label: "generation",
            color: GENERATION,
            fill: "rgba(46,158,68,0.12)",
            values: ps.map(function (p) {
              return kwh(p.generationWh);
            }),
          },
        ],
        { label: "kWh per 4-hour period", format: energyAxis },
        function (u, i) {
          var p = ps[i];
          var lines = [
            { color: LOAD, text: "load " + num(kwh(p.loadWh), 3) + " kWh" },
            { color: GENERATION, text: "generation " + num(kwh(p.generationWh), 3) + " kWh" },
            {
              text:
                "batch " +
                p.status +
                (p.parentOverruled ? ", parent overruled" : "") +
                ", PSA " +
                percent(p.psa),
            },
            { text: onChain(p.period) },
          ];
          return { title: "cluster " + id + ": " + when(p.period), lines: lines.concat(markLines(p.period)) };
        },
      );
    },
    psa: function (fig) {
      var periods = [];
      data.periods.forEach(function (p) {
        if (periods.indexOf(p.period) < 0) periods.push(p.period);
      });
      periods.sort(function (a, b) {
        return a - b;
      });
      var byCluster = data.clusters.map(function (c, k) {
        var psa = {};
        data.periods.forEach(function (p) {
          if (p.clusterId === c.clusterId) psa[p.period] = p.psa;
        });
        return {
          label: "cluster " + c.clusterId,
          color: COLORS[k % COLORS.length],
          values: periods.map(function (p) {
            return p in psa ? psa[p] : null;
          }),
        };
      });
      return timePlot(
        fig,
        periods,
        byCluster,
        // 100% is the usual value: keep it a tick below the frame.
        { label: "PSA (100%: none curtailed)", format: percent, range: [0, 1.1] },
        function (u, i) {
          var p = periods[i];
          var lines = byCluster.map(function (s) {
            var v = s.values[i];
            return { color: s.color, text: s.label + ": " + (v == null ? "no batch" : percent(v)) };
          });
          return { title: when(p), lines: lines.concat({ text: onChain(p) }, markLines(p)) };
        },
      );
    },
    forecast: function (fig) {
      var f = data.forecasts;
      if (!f.length) throw new Error("no forecast weeks");
      var series = [
        { label: "forecast load", color: "#8fb4e0", key: "forecastLoadWh" },
        { label: "actual load", color: LOAD, key: "actualLoadWh" },
        { label: "forecast generation", color: "#9fd6a9", key: "forecastGenerationWh" },
        { label: "actual generation", color: GENERATION, key: "actualGenerationWh" },
      ];
      series.forEach(function (s) {
        s.values = f.map(function (w) {
          return kwh(w[s.key]);
        });
      });
      var names = f.map(function (w) {
        return "week " + w.week + "\nfrom " + day(start(w.week * 42));
      });
      return barPlot(
        fig,
        names,
        "grid week (data dates, UTC)",
        series,
        "kWh per week",
        energyAxis,
        function (u, i) {
          var w = f[i];
          return {
            title:
              "week " +
              w.week +
              ": " +
              stamp(start(w.week * 42)) +
              " to " +
              stamp(start((w.week + 1) * 42)) +
              " UTC",
            lines: series
              .map(function (s) {
                return { color: s.color, text: s.label + " " + num(s.values[i], 1) + " kWh" };
              })
              .concat({
                text:
                  "tariff: import " +
                  num(w.importRate, 0) +
                  ", export " +
                  num(w.exportRate, 0) +
                  " µ/kWh" +
                  (w.fallback ? " (fallback)" : ""),
              }),
          };
        },
      );
    },
    bills: function (fig) {
      var homes = {};
      data.bills.forEach(function (b) {
        var h = (homes[b.building] = homes[b.building] || { net: 0, charge: 0, credit: 0, meters: {} });
        h.net += b.net;
        h.charge += b.charge;
        h.credit += b.credit;
        h.meters[b.meter] = true;
      });
      var keys = Object.keys(homes).sort(function (a, b) {
        return a - b;
      });
      if (!keys.length) throw new Error("no bills");
      var money = function (v) {
        return num(v, 2);
      };
      var series = [
        {
          label: "net bill over the run (below 0: credit)",
          color: LOAD,
          colors: function (v) {
            return v < 0 ? GENERATION : LOAD;
          },
          values: keys.map(function (k) {
            return homes[k].net;
          }),
        },
      ];
      var names = keys.map(function (k) {
        return "B" + k;
      });
      return barPlot(
        fig,
        names,
        "home (CityLearn building)",
        series,
        "currency units",
        money,
        function (u, i) {
          var h = homes[keys[i]];
          return {
            title: "home B" + keys[i] + " (" + Object.keys(h.meters).length + " meter(s))",
            lines: [
              { color: h.net < 0 ? GENERATION : LOAD, text: "net " + money(h.net) },
              { text: "charge " + money(h.charge) + ", credit " + money(h.credit) },
            ],
          };
        },
      );
    },
  };

  Array.prototype.forEach.call(document.querySelectorAll("figure[data-plot]"), function (fig) {
    try {
      var render = renderers[fig.dataset.plot];
      if (!render) throw new Error("unknown plot");
      fig.setAttribute("data-points", String(render(fig)));
    } catch (err) {
      fig.setAttribute("data-error", err.message);
      console.error("plot " + fig.dataset.plot + " did not render: " + err.message);
    }
  });

  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      charts.forEach(function (c) {
        c.chart.setSize({ width: Math.max(320, c.fig.clientWidth), height: HEIGHT });
      });
    }, 100);
  });

  // ---- the batches table: text, status, cluster and "notable only" filters
  (function () {
    var table = document.getElementById("batches");
    if (!table) return;
    var text = document.getElementById("batch-text"),
      status = document.getElementById("batch-status"),
      cluster = document.getElementById("batch-cluster"),
      notable = document.getElementById("batch-notable"),
      count = document.getElementById("batch-count");
    var rows = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      var cells = Array.prototype.map.call(r.cells, function (c) {
        return c.textContent;
      });
      return { row: r, text: cells.join(" | ").toLowerCase() };
    });
    function apply() {
      var terms = text.value.toLowerCase().split(/\s+/).filter(Boolean),
        shown = 0;
      rows.forEach(function (x) {
        var d = x.row.dataset;
        var ok =
          (!status.value || d.status === status.value) &&
          (!cluster.value || d.cluster === cluster.value) &&
          (!notable.checked || d.notable === "1") &&
          terms.every(function (t) {
            return x.text.indexOf(t) >= 0;
          });
        x.row.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = shown + " of " + rows.length + " batches shown";
    }
    [text, status, cluster, notable].forEach(function (el) {
      el.addEventListener("input", apply);
      el.addEventListener("change", apply);
    });
    apply();
  })();
})();
