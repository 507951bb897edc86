import { readFileSync } from "node:fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { parseCertId, parseExistingFile, parseRequired } from "../../lib/args.js";
import { decryptRecord, recordCommitment } from "../../lib/certificates/record.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";
import { openSession, certificatesAt } from "./common.js";
import { loadRecordKey } from "./certify.js";

export default async function (
  args: { certId: string; record: string; keyFile: string; certificates: string; from: string },
  hre: HardhatRuntimeEnvironment,
) {
  const certId = parseCertId("cert-id", args.certId);
  parseExistingFile(parseRequired("record", args.record, "the encrypted record file is required"));
  const key = loadRecordKey(args.keyFile);
  const blob = readFileSync(args.record);
  const s = await openSession(hre, args.from);
  const { certs } = await certificatesAt(s, args.certificates);
  if (!(await certs.certIdUsed(certId)))
    throw new InvalidArgumentError("cert-id", `no certificate ${certId} on-chain`);
  const [meter, onChain] = await certs.certificate(certId);
  const local = recordCommitment(blob);
  if (local !== onChain) {
    throw new GridShareError(
      "COMMITMENT_MISMATCH",
      `${args.record} hashes to ${local} but certificate ${certId} commits to ${onChain}: wrong or altered record`,
    );
  }
  const data = decryptRecord(key, meter, blob);
  console.log(`record of certificate ${certId} (meter ${meter}) matches its on-chain commitment`);
  console.log(`name: ${data.name}\naddress: ${data.address}\nsite visit: ${data.siteVisitNotes}`);
}
