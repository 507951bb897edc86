/**
 * The screenshot in docs/demo.md: the top of a demo report (header, summary, plots) in headless chromium,
 * 1280 CSS pixels wide, with the first plot's tooltip shown.
 * `npx tsx scripts/report-screenshot.ts [report.html] [out.png]` (defaults: reports/demo.html, docs/img/report.png)
 */
import path from "node:path";
import { GridShareError } from "../lib/errors.js";
import { screenshotReport } from "../lab/report/browser.js";

const [report = "reports/demo.html", out = "docs/img/report.png"] = process.argv.slice(2);
try {
  // hoverAt 0.345: Wednesday 08:00-12:00 of the first week, the lying parent's period (A1) in a default run.
  const { consoleErrors } = await screenshotReport(path.resolve(report), path.resolve(out), {
    width: 1280,
    height: 1860,
    hoverAt: 0.345,
  });
  if (consoleErrors.length) throw new GridShareError("REPORT_ERRORS", consoleErrors.join("\n"));
  process.stdout.write(`${path.resolve(out)}\n`);
} catch (e) {
  process.stderr.write(`report-screenshot: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
