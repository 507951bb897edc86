/**
 * The DGMD's certificate operations (SPEC 8): certify an applicant, check and open an encrypted record, revoke,
 * show or set the tolerance. Each `parse…Args` checks the options without touching the chain; each operation
 * then checks against the chain before its one transaction, so a refusal costs nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  checkOption,
  parseAddress,
  parseCertId,
  parseExistingFile,
  parseInteger,
  parseOptional,
  parseRequired,
} from "../args.js";
import { chainNow, contractAt, contractWithRegistry, type Session } from "../chain/session.js";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "../errors.js";
import { requireActiveProsumer, requireDgmd } from "../registry/ops.js";
import {
  certificateDomain,
  checkToleranceBps,
  readApplicationFile,
  signCertificate,
  type Certificate,
} from "./certificates.js";
import {
  decryptRecord,
  encryptRecord,
  parseRecordKey,
  recordCommitment,
  type PersonalData,
} from "./record.js";

/** Environment variable holding the DGMD record key (64 hex digits) when no --key-file is given. */
export const RECORD_KEY_ENV = "GRIDSHARE_DGMD_RECORD_KEY";

/** The DGMD's AES-256 key: from `keyFile` (64 hex digits) or GRIDSHARE_DGMD_RECORD_KEY. */
export function loadRecordKey(keyFile: string): Buffer {
  if (keyFile !== "") {
    parseExistingFile(keyFile, "key file");
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

/** Every operation names its CapacityCertificates contract ("" = the environment's or the deployment's). */
export interface OnCertificates {
  certificates: string;
}

export interface CertifyRequest extends OnCertificates {
  application: string;
  key: Buffer;
  /** Directory for the encrypted record. */
  out: string;
}

export function parseCertifyArgs(
  args: OnCertificates & { application: string; keyFile: string; out: string },
): CertifyRequest {
  return {
    application: parseRequired("application", args.application, "an application JSON file is required"),
    out: parseRequired("out", args.out, "a directory for the encrypted record is required"),
    key: loadRecordKey(args.keyFile),
    certificates: args.certificates,
  };
}

export interface Certified {
  cert: Certificate;
  fromPeriod: bigint;
  untilPeriod: bigint;
  recordFile: string;
  blockNumber?: number;
}

/**
 * Encrypt the applicant's record, sign the certificate as the DGMD and submit it. The application, the role,
 * the meter and the certificate id are all checked before the one transaction.
 */
export async function certify(s: Session, r: CertifyRequest): Promise<Certified> {
  const app = readApplicationFile(r.application, await chainNow(s));
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  await requireDgmd(registry, s.signer.address);
  await requireActiveProsumer(registry, app.meter);
  if (await certs.certIdUsed(app.certId)) {
    throw new InvalidFileError(r.application, `certId ${app.certId} was used already: ids are single-use`);
  }
  const blob = encryptRecord(r.key, app.meter, app.personalData);
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
  mkdirSync(r.out, { recursive: true });
  const recordFile = path.join(r.out, `${app.certId}.bin`);
  writeFileSync(recordFile, blob);
  const receipt = await (await certs.submitCertificate(cert, signature)).wait();
  const [, , auth] = await certs.certificate(app.certId);
  return {
    cert,
    fromPeriod: auth.fromPeriod,
    untilPeriod: auth.untilPeriod,
    recordFile,
    blockNumber: receipt?.blockNumber,
  };
}

export function formatCertified(c: Certified): string {
  const { cert } = c;
  return (
    `certificate ${cert.certId} for ${cert.meter}: ${cert.installedCapacityW} W, ` +
    `periods ${c.fromPeriod}..${c.untilPeriod - 1n}, block ${c.blockNumber}\n` +
    `encrypted record ${c.recordFile} (commitment ${cert.infoCommitment})`
  );
}

export interface RecordRequest extends OnCertificates {
  certId: string;
  /** The encrypted record's file, and its bytes. */
  record: string;
  blob: Buffer;
  key: Buffer;
}

export function parseRecordArgs(
  args: OnCertificates & { certId: string; record: string; keyFile: string },
): RecordRequest {
  const certId = parseCertId("cert-id", args.certId);
  const record = parseExistingFile(
    parseRequired("record", args.record, "the encrypted record file is required"),
  );
  const key = loadRecordKey(args.keyFile);
  return { certId, record, blob: readFileSync(record), key, certificates: args.certificates };
}

export interface OpenedRecord {
  certId: string;
  meter: string;
  data: PersonalData;
}

/** Check a record against its certificate's on-chain commitment, then decrypt it. */
export async function openRecord(s: Session, r: RecordRequest): Promise<OpenedRecord> {
  const certs = await contractAt(s, "CapacityCertificates", r.certificates);
  if (!(await certs.certIdUsed(r.certId)))
    throw new InvalidArgumentError("cert-id", `no certificate ${r.certId} on-chain`);
  const [meter, onChain] = await certs.certificate(r.certId);
  const local = recordCommitment(r.blob);
  if (local !== onChain) {
    throw new GridShareError(
      "COMMITMENT_MISMATCH",
      `${r.record} hashes to ${local} but certificate ${r.certId} commits to ${onChain}: wrong or altered record`,
    );
  }
  return { certId: r.certId, meter, data: decryptRecord(r.key, meter, r.blob) };
}

export function formatRecord(o: OpenedRecord): string {
  return (
    `record of certificate ${o.certId} (meter ${o.meter}) matches its on-chain commitment\n` +
    `name: ${o.data.name}\naddress: ${o.data.address}\nsite visit: ${o.data.siteVisitNotes}`
  );
}

/** What to revoke: one certificate, or all of a meter's. */
export type RevokeTarget = { readonly certId: string } | { readonly meter: string };

export interface RevokeRequest extends OnCertificates {
  target: RevokeTarget;
}

export function parseRevokeArgs(args: OnCertificates & { certId: string; meter: string }): RevokeRequest {
  if ((args.certId === "") === (args.meter === "")) {
    throw new InvalidArgumentError("cert-id", "give exactly one of --cert-id or --meter");
  }
  const target =
    args.certId !== ""
      ? { certId: parseCertId("cert-id", args.certId) }
      : { meter: parseAddress("meter", args.meter) };
  return { target, certificates: args.certificates };
}

export interface Revoked {
  /** "certificate <id> of <meter>" or "all certificates of <meter>". */
  what: string;
  fromPeriod: bigint;
  blockNumber?: number;
}

/** Revoke a certificate, or all of a meter's, from the current period on; refuses when nothing would change. */
export async function revoke(s: Session, r: RevokeRequest): Promise<Revoked> {
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  await requireDgmd(registry, s.signer.address);
  const current = await registry.currentPeriod();
  if ("certId" in r.target) {
    const { certId } = r.target;
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
    return {
      what: `certificate ${certId} of ${owner}`,
      fromPeriod: current,
      blockNumber: receipt?.blockNumber,
    };
  }
  const { meter } = r.target;
  const list = await certs.authorizationsOf(meter);
  if (!list.some((a) => a.untilPeriod > current && a.untilPeriod > a.fromPeriod)) {
    throw new GridShareError(
      "NOTHING_TO_REVOKE",
      `${meter} holds no certificate counting from period ${current}`,
    );
  }
  const receipt = await (await certs.revokeMeter(meter)).wait();
  return { what: `all certificates of ${meter}`, fromPeriod: current, blockNumber: receipt?.blockNumber };
}

export function formatRevoked(r: Revoked): string {
  return `${r.what} revoked from period ${r.fromPeriod} (block ${r.blockNumber})`;
}

export interface ToleranceRequest extends OnCertificates {
  /** The new tolerance; none: show the current one. */
  bps?: number;
}

export function parseToleranceArgs(args: OnCertificates & { bps: string }): ToleranceRequest {
  const bps = parseOptional(args.bps, (v) =>
    checkOption("bps", () => checkToleranceBps(parseInteger("bps", v))),
  );
  return { bps, certificates: args.certificates };
}

export interface Tolerance {
  /** The tolerance before (or, when only shown, now), bps. */
  bps: bigint;
  changed?: { bps: number; blockNumber?: number };
}

/** Show the tolerance over installed capacity, or set it (DGMD). */
export async function tolerance(s: Session, r: ToleranceRequest): Promise<Tolerance> {
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  if (r.bps === undefined) return { bps: await certs.toleranceBps() };
  await requireDgmd(registry, s.signer.address);
  const old = await certs.toleranceBps();
  const receipt = await (await certs.setTolerance(r.bps)).wait();
  return { bps: old, changed: { bps: r.bps, blockNumber: receipt?.blockNumber } };
}

export function formatTolerance(t: Tolerance): string {
  return t.changed === undefined
    ? `tolerance ${t.bps} bps`
    : `tolerance ${t.bps} -> ${t.changed.bps} bps (block ${t.changed.blockNumber})`;
}
