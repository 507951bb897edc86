/**
 * Open a report in a real headless browser (Debian's chromium driven by playwright-core) and say what a
 * person would see: console errors, page errors, and whether every plot rendered.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { GridShareError } from "../../lib/errors.js";

export const CHROMIUM_PATH = process.env.GRIDSHARE_CHROMIUM ?? "/usr/bin/chromium";

export interface PlotState {
  plot: string;
  rendered: boolean;
  points: number;
  svgShapes: number;
}

export interface BrowserCheck {
  title: string;
  consoleErrors: string[];
  plots: PlotState[];
  tables: Record<string, number>;
}

/** Flags for a root, offline, sandbox-less machine: no background traffic to hosts that cannot be reached. */
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

export async function checkReportInBrowser(file: string): Promise<BrowserCheck> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new GridShareError(
      "NO_BROWSER",
      `no chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set GRIDSHARE_CHROMIUM`,
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
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
    const plots = await page.$$eval("figure[data-plot]", (figs) =>
      figs.map((f) => ({
        plot:
          (f.getAttribute("data-plot") ?? "") +
          (f.getAttribute("data-cluster") ? `:${f.getAttribute("data-cluster")}` : ""),
        rendered: f.getAttribute("data-rendered") === "true",
        points: Number(f.getAttribute("data-points") ?? 0),
        svgShapes: f.querySelectorAll("svg path, svg rect").length,
      })),
    );
    const tables = await page.$$eval("table[id]", (ts) =>
      Object.fromEntries(ts.map((t) => [t.id, t.querySelectorAll("tbody tr").length])),
    );
    return { title: await page.title(), consoleErrors, plots, tables };
  } finally {
    await browser.close();
  }
}
