/**
 * The other voters' attestations this node holds (SPEC 6): verified on receipt, kept until their period is
 * pruned, and carried in this node's submission of the cluster-period.
 */
import type { SignedAttestation } from "../../batches/attestation.js";
import type { Counters } from "./counters.js";
import type { Db, Statement } from "./db.js";

interface AttestationRow {
  cluster_id: number;
  period: number;
  signer: string;
  digest: string;
  signature: string;
}

export class Attestations {
  private readonly insert: Statement<[number, number, string, string, string, number]>;
  private readonly select: Statement<[number, number], AttestationRow>;

  constructor(
    db: Db,
    private readonly counters: Counters,
  ) {
    // A signer's first attestation for a cluster-period is the one kept: the ledger counts a node once.
    this.insert = db.prepare("INSERT OR IGNORE INTO attestations VALUES (?, ?, ?, ?, ?, ?)");
    this.select = db.prepare(
      "SELECT cluster_id, period, signer, digest, signature FROM attestations WHERE cluster_id = ? AND period = ? ORDER BY signer",
    );
  }

  /** Keep a verified attestation; false when one of its signer for that cluster-period is already held. */
  hold(a: SignedAttestation, now: number): boolean {
    const added =
      this.insert.run(a.clusterId, a.period, a.signer, a.digest.toLowerCase(), a.signature.toLowerCase(), now)
        .changes > 0;
    if (added) this.counters.bump("attestations_received");
    return added;
  }

  /** The attestations held for a cluster-period, by signer. */
  of(clusterId: number, period: number): SignedAttestation[] {
    return this.select.all(clusterId, period).map((r) => ({
      clusterId: r.cluster_id,
      period: r.period,
      signer: r.signer,
      digest: r.digest,
      signature: r.signature,
    }));
  }
}
