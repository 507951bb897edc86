/**
 * Delivering this node's attestations to the other voters' gateways over HTTP (POST /attestations). The
 * receiving gateway trusts only the signatures; this side only needs to know where each node listens.
 */
import { getAddress } from "ethers";
import type { SignedAttestation } from "../batches/attestation.js";
import { GridShareError } from "../errors.js";
import type { AttestationPeers } from "./types.js";

/** A peer's gateway answered with an error, or no URL is known for it. */
export class PeerDeliveryError extends GridShareError {
  constructor(node: string, problem: string) {
    super("PEER_DELIVERY", `attestations for node ${node}: ${problem}`);
  }
}

/**
 * Peers by node address -> gateway base URL. The map is read at each delivery, so a caller may fill it
 * after the gateways started listening; keys are checksummed addresses.
 */
export class HttpPeers implements AttestationPeers {
  constructor(private readonly urls: ReadonlyMap<string, string>) {}

  async deliver(node: string, attestations: readonly SignedAttestation[]): Promise<void> {
    const url = this.urls.get(getAddress(node))?.replace(/\/+$/, "");
    if (!url) throw new PeerDeliveryError(node, "no gateway URL is configured for it (--peer <node>=<url>)");
    const res = await fetch(`${url}/attestations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(attestations),
    });
    if (res.status !== 200)
      throw new PeerDeliveryError(node, `${url} answered ${res.status}: ${await res.text()}`);
  }
}
