/**
 * SPEC 8's certificate rules, the TypeScript twin of CapacityCertificates.sol: which certificate stands in which
 * period, what a revocation, a cancellation and an over-capacity proof reach, and which tolerance judges a
 * reading. Pure: the chain's state is replayed into a CertificateBook, so the DGMD's tools can say before sending
 * what the contract would do, and tests pin the two against each other.
 *
 * - A certificate is issued at its `validFrom` (never in the future when submitted). Among a meter's
 *   certificates the one issued last stands: from its first period on, every one issued before it ends.
 * - It covers the periods starting in `[validFrom, validUntil)`, never before the period it is submitted in.
 * - The DGMD cancels an id nobody submitted; it revokes a submitted certificate from the current period on.
 * - `revokeMeter` ends every certificate from the current period on; an over-capacity proof of period p ends,
 *   from p on, every certificate issued by p's start. Certificates issued at or before the meter's latest
 *   revocation, deauthorization or replacement are refused afterwards.
 * - A proof is judged by the certificate and tolerance of the reading's period; readings older than 13 weeks
 *   prove nothing. A tolerance change applies from the next period.
 */
import { PERIOD_SECONDS, RETENTION_PERIODS } from "../constants.js";
import { GridShareError } from "../errors.js";
import { periodAt, periodStart } from "../time.js";
import {
  checkIssueTime,
  MAX_TOLERANCE_BPS,
  MIN_TOLERANCE_BPS,
  violatesTolerance,
  type Certificate,
} from "./certificates.js";

/** "Until forever": GridConstants.OPEN_END. */
const OPEN_END = 0xffffffff;

/** Periods `[fromPeriod, untilPeriod)` a meter may supply with `capacityW`; `issuedAt` is the certificate's validFrom. */
export interface Authorization {
  readonly capacityW: bigint;
  readonly fromPeriod: number;
  readonly untilPeriod: number;
  readonly issuedAt: bigint;
}

/** The contract error each refusal mirrors (ICapacityCertificates). */
export type CertificateRule =
  | "CertIdUsed"
  | "CertIdCancelled"
  | "InvalidValidityWindow"
  | "CertificateExpired"
  | "NotYetIssued"
  | "CertificateVoided"
  | "IssueTimeTaken"
  | "NothingToRevoke"
  | "ToleranceOutOfRange"
  | "ReadingTooOld"
  | "NotAuthorizedAt"
  | "NotOverCapacity";

/** A certificate action the contract would refuse; `rule` names its custom error. */
export class CertificateRuleError extends GridShareError {
  readonly rule: CertificateRule;
  constructor(rule: CertificateRule, message: string) {
    super("CERTIFICATE_RULE", message);
    this.rule = rule;
  }
}

/** The first period whose start is at or after `t` (a certificate valid from `t` covers it). */
export function firstPeriodStartingAtOrAfter(t: bigint, epoch: bigint): number {
  if (t <= epoch) return 0;
  const p = (t - epoch + BigInt(PERIOD_SECONDS) - 1n) / BigInt(PERIOD_SECONDS);
  return p >= BigInt(OPEN_END) ? OPEN_END : Number(p);
}

interface CertRecord {
  readonly status: "submitted" | "cancelled";
  readonly meter?: string;
  readonly index?: number;
}

/** One deployment's certificates, tolerance history and voids, replayed off-chain. */
export class CertificateBook {
  private readonly authorizations = new Map<string, Authorization[]>();
  private readonly voids = new Map<string, bigint>();
  private readonly certs = new Map<string, CertRecord>();
  private readonly tolerances: { fromPeriod: number; bps: number }[] = [
    { fromPeriod: 0, bps: MIN_TOLERANCE_BPS },
  ];

  constructor(private readonly epoch: bigint) {}

  /** A meter's intervals in submission order (the contract's authorizationsOf). */
  authorizationsOf(meter: string): readonly Authorization[] {
    return this.authorizations.get(meter.toLowerCase()) ?? [];
  }

  /** Certificates of `meter` issued at or before this time are refused; `installedPeriod` for a replacement. */
  voidThrough(meter: string, installedPeriod?: number): bigint {
    const stored = this.voids.get(meter.toLowerCase()) ?? 0n;
    if (installedPeriod === undefined) return stored;
    const installed = periodStart(installedPeriod, this.epoch);
    return installed > stored ? installed : stored;
  }

  /** The certified capacity the meter may supply with in `period` (0 when none). */
  capacityAt(meter: string, period: number): bigint {
    return this.authorizationAt(meter, period)?.capacityW ?? 0n;
  }

  /** The tolerance (bps) in force in `period`. */
  toleranceAt(period: number): number {
    let bps = MIN_TOLERANCE_BPS;
    for (const t of this.tolerances) if (t.fromPeriod <= period) bps = t.bps;
    return bps;
  }

  /**
   * Record a DGMD-signed certificate of an eligible meter (signature and eligibility are the caller's); returns
   * its interval. `installedPeriod` is given for a replacement meter.
   */
  submit(cert: Certificate, now: bigint, installedPeriod?: number): Authorization {
    const id = cert.certId.toLowerCase();
    const rec = this.certs.get(id);
    if (rec?.status === "cancelled") {
      throw new CertificateRuleError(
        "CertIdCancelled",
        `certificate ${cert.certId} was cancelled by the DGMD`,
      );
    }
    if (rec)
      throw new CertificateRuleError(
        "CertIdUsed",
        `certId ${cert.certId} was used already: ids are single-use`,
      );
    if (cert.validFrom >= cert.validUntil) {
      throw new CertificateRuleError(
        "InvalidValidityWindow",
        `validFrom ${cert.validFrom} is not before validUntil ${cert.validUntil}`,
      );
    }
    if (cert.validUntil <= now) {
      throw new CertificateRuleError(
        "CertificateExpired",
        `certificate ${cert.certId} expired at ${cert.validUntil}`,
      );
    }
    try {
      checkIssueTime(cert, now, this.voidThrough(cert.meter, installedPeriod));
    } catch (e) {
      const rule = (e as GridShareError).code === "NOT_YET_ISSUED" ? "NotYetIssued" : "CertificateVoided";
      throw new CertificateRuleError(rule, (e as Error).message);
    }
    const from = Math.max(
      firstPeriodStartingAtOrAfter(cert.validFrom, this.epoch),
      periodAt(now, this.epoch),
    );
    const until = firstPeriodStartingAtOrAfter(cert.validUntil, this.epoch);
    const index = this.grant(cert.meter, cert.installedCapacityW, from, until, cert.validFrom);
    this.certs.set(id, { status: "submitted", meter: cert.meter.toLowerCase(), index });
    return this.authorizationsOf(cert.meter)[index];
  }

  /** Revoke a submitted certificate from the current period on, or cancel an id nobody submitted. */
  revokeCertificate(certId: string, now: bigint): "cancelled" | "revoked" {
    const id = certId.toLowerCase();
    const rec = this.certs.get(id);
    if (rec?.status === "cancelled") {
      throw new CertificateRuleError("CertIdCancelled", `certificate ${certId} was cancelled already`);
    }
    if (!rec) {
      this.certs.set(id, { status: "cancelled" });
      return "cancelled";
    }
    const current = periodAt(now, this.epoch);
    if (!this.end(rec.meter!, rec.index!, current)) {
      throw new CertificateRuleError(
        "NothingToRevoke",
        `certificate ${certId} no longer counts from period ${current}`,
      );
    }
    return "revoked";
  }

  /** End every certificate of the meter from the current period on; void every one issued until now. */
  revokeMeter(meter: string, now: bigint): void {
    this.deauthorize(meter, now, periodAt(now, this.epoch));
  }

  /** Set the tolerance from the next period on. */
  setTolerance(bps: number, now: bigint): void {
    if (!Number.isInteger(bps) || bps < MIN_TOLERANCE_BPS || bps > MAX_TOLERANCE_BPS) {
      throw new CertificateRuleError("ToleranceOutOfRange", `tolerance ${bps} bps is outside 1000..1500`);
    }
    const fromPeriod = periodAt(now, this.epoch) + 1;
    const last = this.tolerances[this.tolerances.length - 1];
    if (last.fromPeriod === fromPeriod) this.tolerances[this.tolerances.length - 1] = { fromPeriod, bps };
    else this.tolerances.push({ fromPeriod, bps });
  }

  /**
   * An over-capacity proof of a (proven) reading of `period`: refused when older than the retention window, when
   * no certificate covered the period, or when the peak is within that period's tolerance. Returns the violated
   * authorization; every certificate issued by the period's start then ends there.
   */
  proveOverCapacity(meter: string, period: number, peakGenerationW: bigint, now: bigint): Authorization {
    const current = periodAt(now, this.epoch);
    if (current > period && current - period > RETENTION_PERIODS) {
      throw new CertificateRuleError(
        "ReadingTooOld",
        `a reading of period ${period} is older than the ${RETENTION_PERIODS}-period retention window (now ${current})`,
      );
    }
    const a = this.authorizationAt(meter, period);
    if (!a)
      throw new CertificateRuleError("NotAuthorizedAt", `${meter} held no certificate in period ${period}`);
    const tol = this.toleranceAt(period);
    if (!violatesTolerance(peakGenerationW, a.capacityW, BigInt(tol))) {
      throw new CertificateRuleError(
        "NotOverCapacity",
        `peak ${peakGenerationW} W is within ${a.capacityW} W + ${tol / 100}% (period ${period})`,
      );
    }
    this.deauthorize(meter, periodStart(period, this.epoch), period);
    return a;
  }

  private authorizationAt(meter: string, period: number): Authorization | undefined {
    return this.authorizationsOf(meter).find((a) => a.fromPeriod <= period && period < a.untilPeriod);
  }

  private grant(meter: string, capacityW: bigint, from: number, until: number, issuedAt: bigint): number {
    const key = meter.toLowerCase();
    const list = [...this.authorizationsOf(key)];
    let end = until;
    for (const [i, a] of list.entries()) {
      if (a.issuedAt === issuedAt) {
        throw new CertificateRuleError(
          "IssueTimeTaken",
          `${meter} already holds a certificate issued at ${issuedAt}: re-sign with another validFrom`,
        );
      }
      if (a.issuedAt < issuedAt) list[i] = ended(a, from);
      else if (a.fromPeriod < end) end = Math.max(a.fromPeriod, from);
    }
    list.push({ capacityW, fromPeriod: from, untilPeriod: end, issuedAt });
    this.authorizations.set(key, list);
    return list.length - 1;
  }

  private deauthorize(meter: string, issuedThrough: bigint, period: number): void {
    const key = meter.toLowerCase();
    if (issuedThrough > (this.voids.get(key) ?? 0n)) this.voids.set(key, issuedThrough);
    this.authorizations.set(
      key,
      this.authorizationsOf(key).map((a) => (a.issuedAt <= issuedThrough ? ended(a, period) : a)),
    );
  }

  private end(meter: string, index: number, period: number): boolean {
    const list = [...this.authorizationsOf(meter)];
    const a = list[index];
    const after = ended(a, period);
    if (after === a) return false;
    list[index] = after;
    this.authorizations.set(meter, list);
    return true;
  }
}

/** `a` ended at `period` at the latest (the same object when nothing changes). */
function ended(a: Authorization, period: number): Authorization {
  if (a.untilPeriod <= period || a.untilPeriod <= a.fromPeriod) return a;
  return { ...a, untilPeriod: Math.max(period, a.fromPeriod) };
}
