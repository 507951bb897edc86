import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { checkToleranceBps } from "../../lib/certificates/certificates.js";
import { checkOption, parseInteger } from "../../lib/args.js";
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
  const bps = checkOption("bps", () => checkToleranceBps(parseInteger("bps", args.bps)));
  await requireDgmd(registry, s.signer);
  const old = await certs.toleranceBps();
  const receipt = await (await certs.setTolerance(bps)).wait();
  console.log(`tolerance ${old} -> ${bps} bps (block ${receipt?.blockNumber})`);
}
