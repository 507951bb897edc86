/**
 * What the report inlines so that it opens offline: the charting library (uPlot, read from node_modules
 * when the report is written) and the page's own script (page.js beside this file).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GridShareError } from "../../lib/errors.js";

export interface PageAssets {
  /** uPlot's minified IIFE build (defines the global `uPlot`). */
  chartJs: string;
  chartCss: string;
  /** The library's name, version and copyright line, kept in the page with its MIT licence notice. */
  chartNotice: string;
  pageJs: string;
}

export class ReportAssetMissingError extends GridShareError {
  constructor(what: string, problem: string) {
    super("REPORT_ASSET_MISSING", `the report needs ${what}: ${problem}; run npm install`);
  }
}

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

function read(what: string, file: string): string {
  if (!existsSync(file)) throw new ReportAssetMissingError(what, `${file} does not exist`);
  return readFileSync(file, "utf8");
}

/** Code inlined in a <script> must not close it: `</script` becomes `<\/script` (same meaning in JS). */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1");
}

let cached: PageAssets | undefined;

export function pageAssets(): PageAssets {
  if (cached) return cached;
  let pkgFile: string;
  try {
    pkgFile = require.resolve("uplot/package.json");
  } catch {
    throw new ReportAssetMissingError("the uplot package", "it is not installed");
  }
  const dir = path.dirname(pkgFile);
  const pkg = JSON.parse(read("uplot's package.json", pkgFile)) as { version: string; license: string };
  const copyright = read("uplot's LICENSE", path.join(dir, "LICENSE"))
    .split("\n")
    .find((l) => l.startsWith("Copyright"));
  cached = {
    chartJs: scriptSafe(read("uPlot's script", path.join(dir, "dist", "uPlot.iife.min.js"))),
    chartCss: read("uPlot's style sheet", path.join(dir, "dist", "uPlot.min.css")),
    chartNotice: `uPlot ${pkg.version}, ${pkg.license} licence, ${copyright ?? "Leon Sorokin"}`,
    pageJs: scriptSafe(read("the report's page script", path.join(HERE, "page.js"))),
  };
  return cached;
}
