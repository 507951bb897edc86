/**
 * The other voters' attestations as a gateway receives them (SPEC 6: voters exchange attestations node to
 * node; the parent collects them and submits them with its own). Nothing unsigned is trusted: an attestation
 * is held only when its signature recovers to its claimed signer in the ledger's EIP-712 domain, the signer
 * is a voter of that cluster-period's batch, the cluster is one this node serves and the batch's window is
 * open. No HTTP here: the server hands over parsed JSON and maps the verdict to a status code.
 */
import { getAddress } from "ethers";
import {
  signedAttestationFromJson,
  verifyAttestation,
  type SignedAttestation,
} from "../batches/attestation.js";
import { GridShareError } from "../errors.js";
import { currentPeriod, type IngestContext } from "./ingest.js";

/** Largest array of attestations accepted in one request (every cluster a node serves, a few periods). */
export const MAX_BULK_ATTESTATIONS = 256;

export type AttestationVerdict =
  | {
      readonly ok: true;
      readonly status: 200;
      readonly result: "held" | "duplicate";
      readonly signer: string;
    }
  | { readonly ok: false; readonly status: 400 | 403 | 422; readonly code: string; readonly reason: string };

/** What receiving needs: IngestContext's parts, with `domain` the ledger's EIP-712 domain (ledgerDomain). */
export type AttestationContext = IngestContext;

/** An attestation this gateway will not hold; nothing was stored. */
export class AttestationRefusedError extends GridShareError {
  constructor(
    code: "CLUSTER_NOT_SERVED" | "ATTESTATION_OUTSIDE_WINDOW" | "UNASSIGNED_SIGNER",
    message: string,
  ) {
    super(code, message);
  }
}

const STATUS_OF: Record<string, 400 | 403 | 422> = {
  MALFORMED_ATTESTATION: 400,
  NON_CANONICAL_SIGNATURE: 400,
  INVALID_ATTESTATION: 403,
  UNASSIGNED_SIGNER: 403,
  CLUSTER_NOT_SERVED: 403,
};

async function receiveOne(
  ctx: AttestationContext,
  item: unknown,
  current: number,
): Promise<AttestationVerdict> {
  try {
    const a: SignedAttestation = signedAttestationFromJson(item);
    if (!ctx.served().has(a.clusterId)) {
      throw new AttestationRefusedError(
        "CLUSTER_NOT_SERVED",
        `cluster ${a.clusterId} is not one this node votes for: send the attestation to its voters`,
      );
    }
    if (a.period !== current - 1) {
      throw new AttestationRefusedError(
        "ATTESTATION_OUTSIDE_WINDOW",
        `period ${a.period} is not open for attestations (only period ${current - 1} is, the chain is in ${current})`,
      );
    }
    verifyAttestation(ctx.domain, a);
    const voters = await ctx.chain.batchVoters(a.clusterId, a.period);
    if (!voters.includes(getAddress(a.signer))) {
      throw new AttestationRefusedError(
        "UNASSIGNED_SIGNER",
        `${a.signer} is not a voter of cluster ${a.clusterId} period ${a.period} (voters ${voters.join(", ")})`,
      );
    }
    const held = ctx.store.holdAttestation(a, ctx.wallClock?.() ?? Date.now());
    return { ok: true, status: 200, result: held ? "held" : "duplicate", signer: a.signer };
  } catch (e) {
    if (!(e instanceof GridShareError)) throw e;
    return { ok: false, status: STATUS_OF[e.code] ?? 422, code: e.code, reason: e.message };
  }
}

/** Verify and hold one attestation or an array of them; every item gets its own verdict. */
export async function receiveAttestations(
  ctx: AttestationContext,
  body: unknown,
): Promise<AttestationVerdict[]> {
  const current = await currentPeriod(ctx.chain);
  const items = Array.isArray(body) ? body : [body];
  const out: AttestationVerdict[] = [];
  for (const item of items) out.push(await receiveOne(ctx, item, current));
  return out;
}
