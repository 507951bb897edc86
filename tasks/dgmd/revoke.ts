import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseAddress, parseCertId } from "../../lib/args.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";
import { openSession, certificatesAt, requireDgmd } from "./common.js";

export default async function (
  args: { certId: string; meter: string; certificates: string; from: string },
  hre: HardhatRuntimeEnvironment,
) {
  if ((args.certId === "") === (args.meter === "")) {
    throw new InvalidArgumentError("cert-id", "give exactly one of --cert-id or --meter");
  }
  const certId = args.certId === "" ? undefined : parseCertId("cert-id", args.certId);
  const meter = args.meter === "" ? undefined : parseAddress("meter", args.meter);
  const s = await openSession(hre, args.from);
  const { certs, registry } = await certificatesAt(s, args.certificates);
  await requireDgmd(registry, s.signer);
  const current = await registry.currentPeriod();
  if (certId !== undefined) {
    if (!(await certs.certIdUsed(certId))) {
      throw new InvalidArgumentError("cert-id", `no certificate ${certId} was ever submitted`);
    }
    const [owner, , auth] = await certs.certificate(certId);
    if (auth.untilPeriod <= current || auth.untilPeriod <= auth.fromPeriod) {
      throw new GridShareError(
        "NOTHING_TO_REVOKE",
        `certificate ${certId} of ${owner} no longer counts from period ${current}`,
      );
    }
    const receipt = await (await certs.revokeCertificate(certId)).wait();
    console.log(
      `certificate ${certId} of ${owner} revoked from period ${current} (block ${receipt?.blockNumber})`,
    );
    return;
  }
  const list = await certs.authorizationsOf(meter!);
  if (!list.some((a) => a.untilPeriod > current && a.untilPeriod > a.fromPeriod)) {
    throw new GridShareError(
      "NOTHING_TO_REVOKE",
      `${meter} holds no certificate counting from period ${current}`,
    );
  }
  const receipt = await (await certs.revokeMeter(meter!)).wait();
  console.log(`all certificates of ${meter} revoked from period ${current} (block ${receipt?.blockNumber})`);
}
