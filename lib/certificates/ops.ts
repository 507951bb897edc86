/**
 * The DGMD's certificate operations (SPEC 8): certify an applicant, check and open an encrypted record, revoke,
 * show or set the tolerance. Each `parse…Args` checks the options without touching the chain; each operation
 * then checks against the chain before its one transaction, so a refusal costs nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ZeroAddress } from "ethers";
import {
  checkOption,
  parseAddress,
  parseCertId,
  parseExistingFile,
  parseInteger,
  parseOptional,
  parseRequired,
} from "../args.js";
import type { CapacityCertificates } from "../../types/ethers-contracts/index.js";
import {
  chainNow,
  contractAt,
  contractWithRegistry,
  eventsIfServed,
  type Session,
} from "../chain/session.js";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "../errors.js";
import { requireActiveProsumer, requireDgmd } from "../registry/ops.js";
import { CertStatus, MeterStatus } from "../chain/schema.js";
import { renderTable } from "../format/table.js";
import {
  certificateDomain,
  checkIssueTime,
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
  const now = await chainNow(s);
  const app = readApplicationFile(r.application, now);
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  await requireDgmd(registry, s.signer.address);
  await requireActiveProsumer(registry, app.meter);
  if (await certs.certIdUsed(app.certId)) {
    throw new InvalidFileError(r.application, `certId ${app.certId} was used already: ids are single-use`);
  }
  // SPEC 8: issued at validFrom, not in the future and after the meter's latest revocation or deauthorization.
  checkIssueTime(app, now, await certs.voidThrough(app.meter));
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
  /** "certificate <id> of <meter>", "all certificates of <meter>" or "no certificate counted; ...". */
  what: string;
  fromPeriod: bigint;
  /** A certificate id nobody had submitted: cancelled, so that it never can be. */
  cancelled?: boolean;
  /** A meter's revocation: only a certificate issued after this time can authorize it again. */
  voidThrough?: bigint;
  blockNumber?: number;
}

/**
 * Revoke a submitted certificate, or all of a meter's, from the current period on; cancel a certificate id nobody
 * submitted (SPEC 8). Refuses a certificate that no longer counts or was cancelled already. A meter's revocation
 * is sent even when nothing counts: it voids every certificate issued until now, spares included.
 */
export async function revoke(s: Session, r: RevokeRequest): Promise<Revoked> {
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  await requireDgmd(registry, s.signer.address);
  const current = await registry.currentPeriod();
  if ("certId" in r.target) {
    const { certId } = r.target;
    const status = await certs.certStatus(certId);
    if (status === CertStatus.Cancelled) {
      throw new GridShareError("NOTHING_TO_REVOKE", `certificate ${certId} was cancelled already`);
    }
    if (status === CertStatus.None) {
      const receipt = await (await certs.revokeCertificate(certId)).wait();
      return {
        what: `certificate ${certId}`,
        fromPeriod: current,
        cancelled: true,
        blockNumber: receipt?.blockNumber,
      };
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
  const counting = list.some((a) => a.untilPeriod > current && a.untilPeriod > a.fromPeriod);
  const receipt = await (await certs.revokeMeter(meter)).wait();
  return {
    what: `${counting ? "all certificates" : "no certificate counted; all certificates issued until now"} of ${meter}`,
    fromPeriod: current,
    voidThrough: await certs.voidThrough(meter),
    blockNumber: receipt?.blockNumber,
  };
}

export function formatRevoked(r: Revoked): string {
  if (r.cancelled) return `${r.what} cancelled: it can no longer be submitted (block ${r.blockNumber})`;
  const again =
    r.voidThrough === undefined
      ? ""
      : `; only a certificate issued after ${r.voidThrough} can authorize it again`;
  return `${r.what} revoked from period ${r.fromPeriod}${again} (block ${r.blockNumber})`;
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
  /** The current period. */
  period: number;
  /** The tolerance in the current period (when set: the one the next period had before), bps. */
  bps: bigint;
  /** When only shown: the next period's, when it differs (a change applies from the next period). */
  next?: bigint;
  changed?: { bps: number; blockNumber?: number };
}

/**
 * Show the tolerance over installed capacity, or set it (DGMD) from the next period on: a period in progress
 * keeps the tolerance its readings are taken under (SPEC 8).
 */
export async function tolerance(s: Session, r: ToleranceRequest): Promise<Tolerance> {
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  const period = Number(await registry.currentPeriod());
  if (r.bps === undefined) {
    const now = await certs.toleranceAt(period);
    const next = await certs.toleranceAt(period + 1);
    return { period, bps: now, ...(next === now ? {} : { next }) };
  }
  await requireDgmd(registry, s.signer.address);
  const old = await certs.toleranceAt(period + 1);
  const receipt = await (await certs.setTolerance(r.bps)).wait();
  return { period, bps: old, changed: { bps: r.bps, blockNumber: receipt?.blockNumber } };
}

export function formatTolerance(t: Tolerance): string {
  if (t.changed !== undefined) {
    return `tolerance ${t.bps} -> ${t.changed.bps} bps from period ${t.period + 1} (block ${t.changed.blockNumber})`;
  }
  const next = t.next === undefined ? "" : `; ${t.next} bps from period ${t.period + 1}`;
  return `tolerance ${t.bps} bps in period ${t.period}${next}`;
}

/** A task about one meter's certificates (`--meter`). */
export interface MeterRequest extends OnCertificates {
  meter: string;
}

export function parseMeterArgs(args: OnCertificates & { meter: string }): MeterRequest {
  const meter = parseAddress("meter", parseRequired("meter", args.meter, "a meter address is required"));
  return { meter, certificates: args.certificates };
}

type Authorization = { capacityW: bigint; fromPeriod: bigint; untilPeriod: bigint };

/** The authorization covering `period`, the latest first (twin of CapacityCertificates._authorizationAt). */
export function authorizationAt<A extends Authorization>(list: readonly A[], period: number): A | undefined {
  const p = BigInt(period);
  return [...list].reverse().find((a) => a.fromPeriod <= p && p < a.untilPeriod);
}

/** Where a period interval stands at the current period. */
export type CertificateState = "in force" | "not yet" | "ended" | "void";

function stateAt(a: Authorization, current: number): CertificateState {
  const p = BigInt(current);
  if (a.untilPeriod <= a.fromPeriod) return "void";
  if (p < a.fromPeriod) return "not yet";
  return p < a.untilPeriod ? "in force" : "ended";
}

/** Where an authorization came from (`unknown` when the node did not serve the contract's events). */
export interface CertificateOrigin {
  /** A DGMD-signed certificate, or an old meter's capacity carried over to its replacement. */
  origin: "certificate" | "reconfirmed" | "unknown";
  certId: string | null;
  reconfirmedFrom: string | null;
  /** Where it ended when granted (null: unknown). */
  grantedUntilPeriod: number | null;
  blockNumber: number | null;
}

const UNKNOWN_ORIGIN: CertificateOrigin = {
  origin: "unknown",
  certId: null,
  reconfirmedFrom: null,
  grantedUntilPeriod: null,
  blockNumber: null,
};

export interface CertificateEntry extends CertificateOrigin {
  capacityW: bigint;
  fromPeriod: number;
  /** Where it ends now (cut by a revocation, a newer certificate or an over-capacity proof). */
  untilPeriod: number;
  state: CertificateState;
}

/** The submissions and re-confirmations that gave `meter` its authorizations, oldest first. */
async function certificateOrigins(
  certs: CapacityCertificates,
  meter: string,
): Promise<CertificateOrigin[] | undefined> {
  const submitted = await eventsIfServed(() =>
    certs.queryFilter(certs.filters.CertificateSubmitted(undefined, meter)),
  );
  const carried = await eventsIfServed(() =>
    certs.queryFilter(certs.filters.ReplacementReconfirmed(undefined, meter)),
  );
  if (submitted === undefined || carried === undefined) return undefined;
  const tagged = [
    ...submitted.map((e) => ({
      e,
      from: { origin: "certificate" as const, certId: e.args.certId, reconfirmedFrom: null },
    })),
    ...carried.map((e) => ({
      e,
      from: { origin: "reconfirmed" as const, certId: null, reconfirmedFrom: e.args.oldMeter },
    })),
  ].sort((a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index);
  return tagged.map(({ e, from }) => ({
    ...from,
    grantedUntilPeriod: Number(e.args.untilPeriod),
    blockNumber: e.blockNumber,
  }));
}

export interface CertificateList {
  meter: string;
  currentPeriod: number;
  /** The capacity the meter may supply with in the current period (0: none). */
  capacityNowW: bigint;
  /** The meter this one replaced (null: none): its certificate follows only once re-confirmed. */
  replaces: string | null;
  certificates: CertificateEntry[];
}

/**
 * A meter's certificates, oldest first: every authorization the contract holds for it, each with where it came
 * from (the submission or re-confirmation that appended it, in the same order).
 */
export async function listCertificates(s: Session, r: MeterRequest): Promise<CertificateList> {
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  const info = await registry.meterInfo(r.meter);
  if (info.status === MeterStatus.None) {
    throw new InvalidArgumentError("meter", `${r.meter} is not a meter of this registry`);
  }
  const current = Number(await registry.currentPeriod());
  const list = await certs.authorizationsOf(r.meter);
  const found = await certificateOrigins(certs, r.meter);
  // Each submission or re-confirmation appended one authorization: matched in order, when all are known.
  const origins = found?.length === list.length ? found : undefined;
  const certificates = list.map((a, i) => ({
    ...(origins?.[i] ?? UNKNOWN_ORIGIN),
    capacityW: a.capacityW,
    fromPeriod: Number(a.fromPeriod),
    untilPeriod: Number(a.untilPeriod),
    state: stateAt(a, current),
  }));
  return {
    meter: r.meter,
    currentPeriod: current,
    capacityNowW: await certs.authorizedCapacityAt(r.meter, current),
    replaces: info.replaces === ZeroAddress ? null : info.replaces,
    certificates,
  };
}

const originText = (c: CertificateEntry) =>
  c.origin === "certificate"
    ? c.certId
    : c.origin === "reconfirmed"
      ? `re-confirmed from ${c.reconfirmedFrom}`
      : "(origin unknown)";

export function formatCertificateList(l: CertificateList): string {
  const rows = l.certificates.map((c) => [
    originText(c),
    c.capacityW,
    c.fromPeriod,
    c.untilPeriod,
    c.grantedUntilPeriod === null || c.untilPeriod === c.grantedUntilPeriod
      ? ""
      : `cut from ${c.grantedUntilPeriod}`,
    c.state,
    c.blockNumber,
  ]);
  const lines = [
    `meter ${l.meter}: ${l.capacityNowW} W authorized in period ${l.currentPeriod}`,
    rows.length === 0
      ? "no certificates"
      : renderTable(["certificate", "capacity W", "from", "until", "", "state", "block"], rows),
  ];
  if (l.certificates.some((c) => c.origin === "unknown")) {
    lines.push("(certificate ids unknown: the node did not serve the contract's events)");
  }
  if (l.replaces !== null && l.certificates.length === 0) {
    lines.push(
      `it replaced ${l.replaces}: dgmd:reconfirm --meter ${l.meter} carries that meter's certificate over`,
    );
  }
  return lines.join("\n");
}

export interface Reconfirmed {
  oldMeter: string;
  newMeter: string;
  capacityW: bigint;
  fromPeriod: number;
  untilPeriod: number;
  blockNumber?: number;
}

export class NotReconfirmableError extends GridShareError {
  constructor(meter: string, problem: string) {
    super("NOT_RECONFIRMABLE", `${meter}: ${problem}`);
  }
}

/**
 * SPEC 7: carry a replaced meter's certificate over to its replacement (same capacity and end, from the current
 * period on). Checks what the contract checks, before the one transaction.
 */
export async function reconfirm(s: Session, r: MeterRequest): Promise<Reconfirmed> {
  const { contract: certs, registry } = await contractWithRegistry(s, "CapacityCertificates", r.certificates);
  await requireDgmd(registry, s.signer.address);
  await requireActiveProsumer(registry, r.meter);
  const oldMeter = (await registry.meterInfo(r.meter)).replaces;
  const fresh = "submit a fresh certificate with dgmd:certify";
  if (oldMeter === ZeroAddress) throw new NotReconfirmableError(r.meter, `it replaced no meter: ${fresh}`);
  if ((await certs.authorizationsOf(r.meter)).length > 0) {
    throw new NotReconfirmableError(
      r.meter,
      `it holds a certificate already (dgmd:certificates --meter ${r.meter})`,
    );
  }
  // The old meter's last counted period is the one before it was retired.
  const lastPeriod = Number((await registry.meterInfo(oldMeter)).untilPeriod) - 1;
  const old = authorizationAt(await certs.authorizationsOf(oldMeter), lastPeriod);
  const current = Number(await registry.currentPeriod());
  if (old === undefined || old.untilPeriod <= BigInt(current)) {
    throw new NotReconfirmableError(
      r.meter,
      `the meter it replaced (${oldMeter}) held no certificate in its last period ${lastPeriod} that runs past period ${current}: ${fresh}`,
    );
  }
  const receipt = await (await certs.reconfirmReplacement(r.meter)).wait();
  return {
    oldMeter,
    newMeter: r.meter,
    capacityW: old.capacityW,
    fromPeriod: current,
    untilPeriod: Number(old.untilPeriod),
    blockNumber: receipt?.blockNumber,
  };
}

export function formatReconfirmed(r: Reconfirmed): string {
  return (
    `certificate of ${r.oldMeter} re-confirmed for its replacement ${r.newMeter}: ${r.capacityW} W, ` +
    `periods ${r.fromPeriod}..${r.untilPeriod - 1} (block ${r.blockNumber})`
  );
}
