/**
 * SPEC 5 evidence of a compromised meter, the twin of contracts/ReadingEvidence.sol: two different readings of
 * one meter-period, both signed by the meter (one reading has exactly one canonical signature, so an honest meter
 * never produces two), or two such readings as leaves of one accepted batch. Either marks the meter Tampered
 * from that period on. A reading repeated verbatim proves nothing against the meter (it signed once).
 */
import type { TypedDataDomain } from "ethers";
import { GridShareError } from "../errors.js";
import { getProof, type Merkle64Tree } from "./merkle64.js";
import { readingStructHash, verifyReadingSignature, type SignedReading } from "./reading.js";

/** A pair of readings that does not prove a compromised meter; nothing should be sent. */
export class EvidenceError extends GridShareError {
  constructor(problem: string) {
    super("NOT_EVIDENCE", `not evidence of a compromised meter: ${problem}`);
  }
}

/** A leaf of an accepted batch with its packed proof: `ReadingEvidence.proveDuplicateLeaves`'s argument. */
export interface LeafEvidence extends SignedReading {
  readonly index: number;
  readonly proof: string;
}

/**
 * The meter-period two signed readings prove compromised (what the registry cuts from). Throws EvidenceError
 * unless they are of one meter-period and differ, and SignatureMismatchError unless the meter signed both.
 */
export function conflictingReadings(
  domain: TypedDataDomain,
  a: SignedReading,
  b: SignedReading,
): { meter: string; period: number } {
  if (a.reading.meter !== b.reading.meter || a.reading.period !== b.reading.period) {
    throw new EvidenceError(
      `${a.reading.meter} period ${a.reading.period} and ${b.reading.meter} period ${b.reading.period}: ` +
        "evidence needs two readings of one meter-period",
    );
  }
  if (readingStructHash(a.reading) === readingStructHash(b.reading)) {
    throw new EvidenceError(`the same reading twice (meter ${a.reading.meter}, period ${a.reading.period})`);
  }
  verifyReadingSignature(domain, a);
  verifyReadingSignature(domain, b);
  return { meter: a.reading.meter, period: a.reading.period };
}

/**
 * In a batch's leaves (in tree order, sorted by meter), the first two adjacent leaves of one meter holding
 * different readings, with their proofs; undefined when the batch holds none.
 */
export function duplicateLeafEvidence(
  readings: readonly SignedReading[],
  tree: Merkle64Tree,
): [LeafEvidence, LeafEvidence] | undefined {
  for (let i = 0; i + 1 < readings.length; i++) {
    const [x, y] = [readings[i], readings[i + 1]];
    if (
      x.reading.meter === y.reading.meter &&
      readingStructHash(x.reading) !== readingStructHash(y.reading)
    ) {
      return [
        { ...x, index: i, proof: getProof(tree, i) },
        { ...y, index: i + 1, proof: getProof(tree, i + 1) },
      ];
    }
  }
  return undefined;
}
