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
  if (args.bps === "") {
    console.log(`tolerance ${await certs.toleranceBps()} bps`);
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
  const old = await certs.toleranceBps();
  const receipt = await (await certs.setTolerance(bps)).wait();
  console.log(`tolerance ${old} -> ${bps} bps (block ${receipt?.blockNumber})`);
}
