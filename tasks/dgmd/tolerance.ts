import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { checkToleranceBps } from "../../lib/certificates/certificates.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import { openSession, certificatesAt, requireDgmd } from "./common.js";

export default async function (
  args: { bps: string; certificates: string; from: string },
  hre: HardhatRuntimeEnvironment,
) {
  const s = await openSession(hre, args.from);
  const { certs, registry } = await certificatesAt(s, args.certificates);
  const current = Number(await registry.currentPeriod());
  if (args.bps === "") {
    const now = await certs.toleranceAt(current);
    const next = await certs.toleranceAt(current + 1);
    console.log(
      `tolerance ${now} bps in period ${current}` +
        (next === now ? "" : `; ${next} bps from period ${current + 1}`),
    );
    return;
  }
  if (!/^\d+$/.test(args.bps))
    throw new InvalidArgumentError("bps", `"${args.bps}" is not a whole number of basis points`);
  let bps: number;
  try {
    bps = checkToleranceBps(Number(args.bps));
  } catch (e) {
    throw new InvalidArgumentError("bps", (e as Error).message);
  }
  await requireDgmd(registry, s.signer);
  const old = await certs.toleranceAt(current + 1);
  const receipt = await (await certs.setTolerance(bps)).wait();
  // A period in progress keeps the tolerance its readings are taken under (SPEC 8).
  console.log(`tolerance ${old} -> ${bps} bps from period ${current + 1} (block ${receipt?.blockNumber})`);
}
