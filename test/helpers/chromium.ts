import type { Context } from "mocha";
import { ChromiumUnavailableError, chromiumStatus } from "../../lab/report/chromium.js";

const PROVISION_MS = 15 * 60_000;

/**
 * For a test that opens a browser: chromium is found or installed (lab/report/chromium.ts), or the test is
 * skipped with the one command that enables it. GRIDSHARE_REQUIRE_CHROMIUM=1 (CI) makes that a failure.
 */
export async function chromiumOrSkip(ctx: Context): Promise<void> {
  // An apt-get install takes minutes (mocha checks the whole duration, so the longer limit stays).
  ctx.timeout(Math.max(ctx.timeout(), PROVISION_MS));
  const s = await chromiumStatus();
  if (s.available) return;
  if (process.env.GRIDSHARE_REQUIRE_CHROMIUM === "1") throw new ChromiumUnavailableError(s);
  console.log(`      skipped (${s.note}); to run it: ${s.enable}`);
  ctx.skip();
}
