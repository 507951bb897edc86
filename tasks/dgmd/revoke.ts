import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseCertId } from "../../lib/certificates/certificates.js";
import { parseAddress } from "../../lib/chain/deployment.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";

/** ICapacityCertificates.CertStatus */
const CERT_UNUSED = 0;
const CERT_CANCELLED = 2;
import { openSession, certificatesAt, requireDgmd } from "./common.js";

export default async function (
  args: { certId: string; meter: string; certificates: string; from: string },
  hre: HardhatRuntimeEnvironment,
) {
  if ((args.certId === "") === (args.meter === "")) {
    throw new InvalidArgumentError("cert-id", "give exactly one of --cert-id or --meter");
  }
  const certId = args.certId === "" ? undefined : parseCertId(args.certId);
  const meter = args.meter === "" ? undefined : parseAddress("meter", args.meter);
  const s = await openSession(hre, args.from);
  const { certs, registry } = await certificatesAt(s, args.certificates);
  await requireDgmd(registry, s.signer);
  const current = await registry.currentPeriod();
  if (certId !== undefined) {
    const status = Number(await certs.certStatus(certId));
    if (status === CERT_CANCELLED) {
      throw new GridShareError("NOTHING_TO_REVOKE", `certificate ${certId} was cancelled already`);
    }
    if (status === CERT_UNUSED) {
      // SPEC 8: a certificate nobody submitted yet is cancelled, so that it never can be.
      const receipt = await (await certs.revokeCertificate(certId)).wait();
      console.log(
        `certificate ${certId} cancelled: it can no longer be submitted (block ${receipt?.blockNumber})`,
      );
      return;
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
  const counting = list.some((a) => a.untilPeriod > current && a.untilPeriod > a.fromPeriod);
  // Also with nothing counting: the revocation voids every certificate issued until now (spares included).
  const receipt = await (await certs.revokeMeter(meter!)).wait();
  console.log(
    `${counting ? "all certificates" : "no certificate counted; all certificates issued until now"} of ${meter} ` +
      `revoked from period ${current}; only a certificate issued after ${await certs.voidThrough(meter!)} can ` +
      `authorize it again (block ${receipt?.blockNumber})`,
  );
}
