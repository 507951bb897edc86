/**
 * docs/benchmarks.md quotes bench/results/latest.json: its results section, its worked scale examples and every
 * figure its prose quotes (`<!--fig:ID-->`) are exactly what `npm run bench:docs` generates from the committed file.
 * After `npm run bench`, run `npm run bench:docs` and commit both.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  DOCS_END,
  DOCS_FILE,
  DOCS_START,
  LATEST_FILE,
  SCALE_END,
  SCALE_START,
  generatedDocs,
  quotedFigures,
  readResults,
  renderDocs,
  type BenchResults,
} from "../bench/lib/results.js";
import { figure } from "../bench/lib/figures.js";
import { InvalidFileError } from "../lib/errors.js";

describe("docs/benchmarks.md = bench/results/latest.json", () => {
  const docs = readFileSync(DOCS_FILE, "utf8");
  const latest = readResults(LATEST_FILE);

  it("every generated part of the page is what latest.json gives (run `npm run bench:docs`)", async () => {
    expect(await generatedDocs(DOCS_FILE, latest)).to.equal(docs);
  });

  it("the page quotes the run: its table, the scale examples and inline figures that exist in the file", () => {
    const block = docs.slice(docs.indexOf(DOCS_START), docs.indexOf(DOCS_END));
    expect(block).to.include(`at commit \`${latest.meta.commit}\``);
    // Every figure of the file is a row of the table, with its value.
    for (const f of latest.figures) expect(block, f.id).to.include(f.label.replace(/\|/g, "\\|"));
    const scale = docs.slice(docs.indexOf(SCALE_START), docs.indexOf(SCALE_END));
    expect(scale).to.match(/1,000,000 meters in 4-meter clusters: 250,000 nodes, of which 21 seal/);
    const quoted = quotedFigures(docs);
    expect(quoted.length).to.be.greaterThan(20);
    const ids = new Set(latest.figures.map((f) => f.id));
    // A partial run may lack some; a full run holds every figure the prose quotes.
    if (latest.meta.steps === undefined) for (const id of quoted) expect(ids.has(id), id).to.equal(true);
    else expect(quoted.filter((id) => ids.has(id)).length).to.be.greaterThan(20);
  });
});

describe("renderDocs", () => {
  const meta: BenchResults["meta"] = {
    startedAt: "2026-01-01T00:00:00.000Z",
    durationS: 1,
    node: "v22",
    cpus: "cpu",
    cores: 2,
    loadAverage: { start: 0, end: 0 },
    commit: "abc1234",
    quick: false,
  };
  const run: BenchResults = {
    meta,
    figures: [
      figure({
        group: "g",
        id: "a.b",
        label: "A",
        value: 75_014,
        unit: "gas",
        baseline: { label: "b", value: 27_803 },
        note: "4 batches of 16",
      }),
    ],
    scale: null,
  };
  const page = (body: string) =>
    `${body}\n${DOCS_START}\nold\n${DOCS_END}\n${SCALE_START}\nold\n${SCALE_END}\n`;

  it("fills inline quotes (value, baseline, ratio) and both generated blocks", () => {
    const out = renderDocs(
      page(
        "costs <!--fig:a.b-->1<!--/fig--> gas, <!--fig:a.b:baseline-->2<!--/fig--> (<!--fig:a.b:ratio-->3<!--/fig-->)",
      ),
      run,
    );
    expect(out).to.include(
      "costs <!--fig:a.b-->75,014<!--/fig--> gas, <!--fig:a.b:baseline-->27,803<!--/fig-->",
    );
    expect(out).to.include("(<!--fig:a.b:ratio-->x2.70<!--/fig-->)");
    expect(renderDocs(page("run: <!--fig:a.b:note-->old<!--/fig-->."), run)).to.include(
      "run: <!--fig:a.b:note-->4 batches of 16<!--/fig-->.",
    );
    expect(out).to.include("Run 2026-01-01T00:00:00.000Z at commit `abc1234`");
    expect(out).to.include("| g | A | 75,014 gas | 27,803 (b) | x2.70 |");
    expect(out).to.not.include("old");
    expect(quotedFigures(out)).to.deep.equal(["a.b", "a.b", "a.b"]);
  });

  it("refuses a quote of a figure a full run lacks, or a field it lacks; a partial run says not measured", () => {
    expect(() => renderDocs(page("<!--fig:gone-->1<!--/fig-->"), run)).to.throw(
      InvalidFileError,
      /quotes figure gone/,
    );
    expect(() => renderDocs(page("<!--fig:a.b:limit-->1<!--/fig-->"), run)).to.throw(
      InvalidFileError,
      /limit of a.b/,
    );
    const partial = { ...run, meta: { ...meta, steps: ["anchoring"] } };
    const out = renderDocs(page("<!--fig:gone-->1<!--/fig-->"), partial);
    expect(out).to.include("<!--fig:gone-->(not measured in this run)<!--/fig-->");
    expect(out).to.include("Partial run: only anchoring");
    expect(() => renderDocs("no markers", run)).to.throw(InvalidFileError, /lacks the/);
  });
});
