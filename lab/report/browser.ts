/**
 * Open a report in a real headless browser (Debian's chromium driven by playwright-core) and say what a
 * person would see: console errors, page errors, whether every plot rendered, its ticks and tooltip, and
 * what the batches filter shows. Also takes the screenshot in the docs.
 */
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { requireChromium } from "./chromium.js";

export interface PlotState {
  plot: string;
  rendered: boolean;
  /** Why it did not render (the page's own message). */
  error: string;
  points: number;
  /** Data series drawn on the canvas. */
  seriesDrawn: number;
  /** Canvas pixels painted (axes, grid, series, markers). */
  inkPixels: number;
  /** The axis tick labels as drawn: dates on a time axis; the y ticks as numbers. */
  xTicks: string[];
  yTicks: number[];
  /** Attack and alarm periods marked on its time axis. */
  marks: number;
  /** The tooltip shown when the cursor is over the middle of the plot. */
  tooltip: string;
}

export interface BatchFilter {
  text?: string;
  status?: string;
  cluster?: string;
  notableOnly?: boolean;
}

export interface BrowserCheck {
  title: string;
  consoleErrors: string[];
  plots: PlotState[];
  /** Rows per table (all of them), and rows shown (after the batches filter, when one was given). */
  tables: Record<string, number>;
  shownRows: Record<string, number>;
  /** The batches filter's own count line. */
  batchCount: string;
}

/**
 * Flags for a root, offline, sandbox-less machine: no background traffic to hosts that cannot be reached.
 * playwright's launch() gives every run a fresh, temporary --user-data-dir of its own.
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Plots draw on the next microtask after the page script; a plot that failed says so at once. */
const SETTLE_MS = 10_000;

async function withReport<T>(
  file: string,
  viewport: { width: number; height: number },
  use: (page: Page, consoleErrors: string[]) => Promise<T>,
): Promise<T> {
  const browser: Browser = await chromium.launch({
    executablePath: await requireChromium(),
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport });
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    // A self-contained report needs nothing from the network: refuse every non-file request.
    await page.route(/^(?!file:)/, (route) => {
      consoleErrors.push(`unexpected request ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    // (A string: this project's TypeScript has no DOM types.) On time-out the check reports what it finds.
    await page
      .waitForFunction(
        `[...document.querySelectorAll("figure[data-plot]")].every(
          (f) => f.hasAttribute("data-rendered") || f.hasAttribute("data-error"))`,
        undefined,
        { timeout: SETTLE_MS },
      )
      .catch(() => undefined);
    return await use(page, consoleErrors);
  } finally {
    await browser.close();
  }
}

async function plotStates(page: Page): Promise<PlotState[]> {
  const figures = await page.$$("figure[data-plot]");
  const out: PlotState[] = [];
  for (const fig of figures) {
    const over = await fig.$(".u-over");
    let tooltip = "";
    if (over) {
      await over.hover();
      tooltip = await fig
        .$eval(".tip", (t) => [...t.children].map((line) => line.textContent).join("\n"))
        .catch(() => "");
    }
    // Runs in the page: no named helpers inside (the TypeScript loader would wrap them with its own).
    const state = await fig.evaluate((f) => {
      const canvas = f.querySelector("canvas");
      let ink = 0;
      if (canvas && canvas.width && canvas.height) {
        const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) ink++;
      }
      return {
        attrs: Object.fromEntries([...f.attributes].map((a) => [a.name, a.value])),
        ink,
      };
    });
    const attr = (name: string) => state.attrs[name] ?? "";
    out.push({
      plot: attr("data-plot") + (attr("data-cluster") ? `:${attr("data-cluster")}` : ""),
      rendered: attr("data-rendered") === "true",
      error: attr("data-error"),
      points: Number(attr("data-points") || 0),
      seriesDrawn: Number(attr("data-series-drawn") || 0),
      inkPixels: state.ink,
      xTicks: attr("data-x-ticks") ? attr("data-x-ticks").split("|") : [],
      yTicks: attr("data-y-ticks") ? attr("data-y-ticks").split("|").map(Number) : [],
      marks: Number(attr("data-marks") || 0),
      tooltip,
    });
  }
  await page.mouse.move(0, 0);
  return out;
}

async function applyBatchFilter(page: Page, f: BatchFilter): Promise<void> {
  if (f.text !== undefined) await page.fill("#batch-text", f.text);
  if (f.status !== undefined) await page.selectOption("#batch-status", f.status);
  if (f.cluster !== undefined) await page.selectOption("#batch-cluster", f.cluster);
  if (f.notableOnly !== undefined) await page.setChecked("#batch-notable", f.notableOnly);
}

export async function checkReportInBrowser(
  file: string,
  options: { batchFilter?: BatchFilter } = {},
): Promise<BrowserCheck> {
  return withReport(file, { width: 1280, height: 900 }, async (page, consoleErrors) => {
    const plots = await plotStates(page);
    if (options.batchFilter) await applyBatchFilter(page, options.batchFilter);
    const rows = await page.$$eval("table[id]", (ts) =>
      ts.map((t) => {
        const all = [...t.querySelectorAll("tbody tr")];
        return [t.id, all.length, all.filter((r) => !r.hasAttribute("hidden")).length] as const;
      }),
    );
    return {
      title: await page.title(),
      consoleErrors,
      plots,
      tables: Object.fromEntries(rows.map(([id, n]) => [id, n])),
      shownRows: Object.fromEntries(rows.map(([id, , shown]) => [id, shown])),
      batchCount: (await page.textContent("#batch-count")) ?? "",
    };
  });
}

/**
 * A PNG of the report's top (header, summary and plots) at `width` CSS pixels, with the tooltip of the
 * first plot shown at `hoverAt` (a fraction of its width) so the picture shows one.
 */
export async function screenshotReport(
  file: string,
  out: string,
  opts: { width: number; height: number; hoverAt?: number },
): Promise<{ consoleErrors: string[] }> {
  return withReport(file, { width: opts.width, height: opts.height }, async (page, consoleErrors) => {
    const over = await page.$("figure[data-plot] .u-over");
    const box = await over?.boundingBox();
    if (box && opts.hoverAt !== undefined) {
      await page.mouse.move(box.x + box.width * opts.hoverAt, box.y + box.height * 0.35);
    }
    await page.screenshot({ path: out, type: "png" });
    return { consoleErrors };
  });
}
