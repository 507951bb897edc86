import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  checkIssueTime,
  readApplicationFile,
  certificateDomain,
  signCertificate,
  type Certificate,
} from "../../lib/certificates/certificates.js";
import { encryptRecord, parseRecordKey, recordCommitment } from "../../lib/certificates/record.js";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "../../lib/errors.js";
import { openSession, certificatesAt, requireDgmd, METER_KIND_NAMES, METER_STATUS_NAMES } from "./common.js";

/** Environment variable holding the DGMD record key (64 hex digits) when no --key-file is given. */
export const RECORD_KEY_ENV = "GRIDSHARE_DGMD_RECORD_KEY";

/** The DGMD's AES-256 key: from `--key-file` (64 hex digits) or GRIDSHARE_DGMD_RECORD_KEY. */
export function loadRecordKey(keyFile: string): Buffer {
  if (keyFile !== "") {
    if (!existsSync(keyFile)) throw new InvalidFileError(keyFile, "key file not found");
    try {
      return parseRecordKey(readFileSync(keyFile, "utf8"));
    } catch (e) {
      throw new InvalidFileError(keyFile, (e as Error).message);
    }
  }
  const env = process.env[RECORD_KEY_ENV];
  if (env === undefined || env === "") {
    throw new InvalidArgumentError(
      "key-file",
      `no DGMD record key: pass --key-file or set ${RECORD_KEY_ENV}`,
    );
  }
  return parseRecordKey(env);
}

export default async function (
  args: { application: string; keyFile: string; out: string; certificates: string; from: string },
  hre: HardhatRuntimeEnvironment,
) {
  // Everything is checked before the one transaction.
  if (args.application === "")
    throw new InvalidArgumentError("application", "an application JSON file is required");
  if (args.out === "")
    throw new InvalidArgumentError("out", "a directory for the encrypted record is required");
  const key = loadRecordKey(args.keyFile);
  const s = await openSession(hre, args.from);
  const app = readApplicationFile(args.application, s.now);
  const { certs, registry } = await certificatesAt(s, args.certificates);
  await requireDgmd(registry, s.signer);
  const info = await registry.meterInfo(app.meter);
  if (info.kind !== 2n || info.status !== 1n) {
    throw new GridShareError(
      "METER_NOT_ELIGIBLE",
      `${app.meter} is not an active prosumer meter (kind ${METER_KIND_NAMES[Number(info.kind)]}, status ${
        METER_STATUS_NAMES[Number(info.status)]
      }): only active prosumers can be certified`,
    );
  }
  if (await certs.certIdUsed(app.certId)) {
    throw new InvalidFileError(args.application, `certId ${app.certId} was used already: ids are single-use`);
  }
  checkIssueTime(app, s.now, await certs.voidThrough(app.meter));

  const blob = encryptRecord(key, app.meter, app.personalData);
  const cert: Certificate = {
    meter: app.meter,
    installedCapacityW: app.installedCapacityW,
    infoCommitment: recordCommitment(blob),
    validFrom: app.validFrom,
    validUntil: app.validUntil,
    certId: app.certId,
  };
  const signature = await signCertificate(
    s.signer,
    certificateDomain(s.chainId, await certs.getAddress()),
    cert,
  );
  mkdirSync(args.out, { recursive: true });
  const recordFile = path.join(args.out, `${app.certId}.bin`);
  writeFileSync(recordFile, blob);
  const receipt = await (await certs.submitCertificate(cert, signature)).wait();
  const [, , auth] = await certs.certificate(app.certId);
  console.log(
    `certificate ${app.certId} for ${app.meter}: ${app.installedCapacityW} W, periods ${auth.fromPeriod}..${
      auth.untilPeriod - 1n
    }, block ${receipt?.blockNumber}`,
  );
  console.log(`encrypted record ${recordFile} (commitment ${cert.infoCommitment})`);
}
