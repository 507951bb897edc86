/**
 * The TypeScript twin of SPEC 6 (lib/batches/attestation.ts, submission.ts, tally.ts) against the real
 * BatchLedger: typed-data hashes, the packed submission, and the counting rules replayed from the shared vectors
 * (test/vectors/attestation.json, tally.json).
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { getBytes, Signature, toBeHex, concat, type TypedDataDomain } from "ethers";
import {
  attestationHash,
  attestationOf,
  attestationStructHash,
  InvalidAttestationError,
  ledgerDomain,
  recoverAttestationSigner,
  signAttestation,
  verifyAttestation,
} from "../lib/batches/attestation.js";
import { batchDigest } from "../lib/batches/batch.js";
import { NonCanonicalSignatureError } from "../lib/batches/reading.js";
import { encodeSubmission, HEADER_BYTES, packHeader, SubmissionError } from "../lib/batches/submission.js";
import { LEDGER_EIP712_NAME, LEDGER_EIP712_VERSION, MAX_SUBMISSION_ITEMS } from "../lib/constants.js";
import { BatchStatus } from "../lib/chain/schema.js";
import { header } from "../lab/fixtures/batches.js";
import { gridFixture } from "./helpers/grid.js";
import { attestAll, itemOf, submitItems } from "../lab/fixtures/attestations.js";
import {
  buildAttestationVectors,
  buildTallyVectors,
  type AttestationVectors,
  type TallyScenario,
} from "./vectors/attestation.js";

const { open: openGrid } = gridFixture(await network.create());

/** secp256k1's group order: `n - s` flips a signature to its high-s twin. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), "utf8")) as T;
}

describe("lib/batches/attestation: typed data", () => {
  it("the committed vectors are what the TS twin produces", async () => {
    expect(vectors<AttestationVectors>("attestation.json")).to.deep.equal(await buildAttestationVectors());
  });

  it("each vector's signature recovers to its signer; struct and typed-data hashes as committed", () => {
    const v = vectors<AttestationVectors>("attestation.json");
    const domain = ledgerDomain(BigInt(v.chainId), v.verifyingContract);
    for (let i = 0; i < v.digest.length; i++) {
      const a = {
        clusterId: Number(v.clusterId[i]),
        period: Number(v.period[i]),
        digest: v.digest[i] as string,
      };
      expect(attestationStructHash(a)).to.equal(v.structHash[i]);
      expect(attestationHash(domain, a)).to.equal(v.hash[i]);
      expect(recoverAttestationSigner(domain, a, v.signature[i] as string)).to.equal(v.signer[i]);
    }
  });

  it("TS == Solidity: type hash, domain, and the typed-data hash of every vector in a live ledger's domain", async () => {
    const { grid } = await openGrid();
    const v = vectors<AttestationVectors>("attestation.json");
    expect(await grid.ledger.ATTESTATION_TYPEHASH()).to.equal(v.typeHash);
    const d = await grid.ledger.eip712Domain();
    expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal([
      LEDGER_EIP712_NAME,
      LEDGER_EIP712_VERSION,
      grid.chainId,
      await grid.ledger.getAddress(),
    ]);
    for (let i = 0; i < v.digest.length; i++) {
      const a = {
        clusterId: Number(v.clusterId[i]),
        period: Number(v.period[i]),
        digest: v.digest[i] as string,
      };
      expect(await grid.ledger.attestationHash(a.clusterId, a.period, a.digest)).to.equal(
        attestationHash(grid.ledgerDomain, a),
      );
    }
  });

  it("verification refuses another signer, cluster, period, digest or domain; signing gives low-s", async () => {
    const { grid, p } = await openGrid();
    const a = attestationOf(header(1, p));
    const s = await signAttestation(grid.nodes[0], grid.ledgerDomain, a);
    expect(BigInt(Signature.from(s.signature).s)).to.be.lessThanOrEqual(
      0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n,
    );
    verifyAttestation(grid.ledgerDomain, s);
    const other: TypedDataDomain = ledgerDomain(grid.chainId + 1n, await grid.ledger.getAddress());
    for (const [bad, domain] of [
      [{ ...s, signer: grid.nodes[1].address }, grid.ledgerDomain],
      [{ ...s, clusterId: 2 }, grid.ledgerDomain],
      [{ ...s, period: p + 1 }, grid.ledgerDomain],
      [{ ...s, digest: batchDigest(header(1, p, 1)) }, grid.ledgerDomain],
      [s, other],
    ] as const) {
      expect(() => verifyAttestation(domain, bad)).to.throw(InvalidAttestationError, /recovers to/);
    }
    const sig = Signature.from(s.signature);
    const highS = concat([
      sig.r,
      toBeHex(SECP256K1_N - BigInt(sig.s), 32),
      toBeHex(sig.v === 27 ? 28 : 27, 1),
    ]);
    expect(() => verifyAttestation(grid.ledgerDomain, { ...s, signature: highS })).to.throw(
      NonCanonicalSignatureError,
    );
    expect(() => attestationHash(grid.ledgerDomain, { ...a, digest: "0x12" })).to.throw(
      InvalidAttestationError,
    );
  });
});

describe("lib/batches/submission: the packed calldata", () => {
  it("header (36 bytes), count, tagged attestations in slot order, own digests where they differ, absent voters", async () => {
    const { grid, p } = await openGrid();
    const h = header(1, p);
    const [parent, n1, n2, n3] = grid.votersOf(1);
    const lie = await signAttestation(n3, grid.ledgerDomain, attestationOf(header(1, p, 7)));
    const atts = [...(await attestAll(grid, h, [n2, parent])), lie];
    const bytes = getBytes(encodeSubmission([await itemOf(grid, h, atts)]));
    expect(bytes.slice(0, HEADER_BYTES)).to.deep.equal(packHeader(h));
    expect(bytes[HEADER_BYTES]).to.equal(3);
    let o = HEADER_BYTES + 1;
    expect(bytes[o]).to.equal(0); // parent first
    o += 66;
    expect(bytes[o]).to.equal(2);
    o += 66;
    expect(bytes[o]).to.equal(0x83); // slot 3, own digest follows
    o += 1 + 32 + 65;
    expect(toBeHex(BigInt("0x" + Buffer.from(bytes.slice(o, o + 20)).toString("hex")), 20)).to.equal(
      n1.address.toLowerCase(),
    );
    expect(bytes.length).to.equal(o + 20);
  });

  it("refuses an empty submission, too many items and a cluster-period twice", async () => {
    const { grid, p } = await openGrid();
    const item = await itemOf(grid, header(2, p), await attestAll(grid, header(2, p), grid.votersOf(2)));
    expect(() => encodeSubmission([])).to.throw(SubmissionError, /at least one item/);
    expect(() => encodeSubmission([item, item])).to.throw(SubmissionError, /appears twice/);
    const many = Array.from({ length: MAX_SUBMISSION_ITEMS + 1 }, (_, i) => ({
      ...item,
      header: header(2, p + i),
      attestations: [],
    }));
    expect(() => encodeSubmission(many)).to.throw(SubmissionError, /at most 64/);
    expect(() => encodeSubmission([{ ...item, attestations: [] }])).to.throw(
      SubmissionError,
      /at least one attestation/,
    );
  });
});

describe("lib/batches/tally == BatchLedger (test/vectors/tally.json)", () => {
  /** The default grid's cluster with this many voters. */
  const CLUSTER_WITH_VOTERS: Record<number, number> = { 1: 4, 2: 2, 3: 3, 4: 1 };

  it("the committed vectors are what the TS model produces", () => {
    expect(vectors<{ scenarios: TallyScenario[] }>("tally.json")).to.deep.equal(buildTallyVectors());
  });

  it("every scenario ends on chain as the model says: status, winner, records, faults", async function () {
    this.timeout(300_000);
    const { scenarios } = vectors<{ scenarios: TallyScenario[] }>("tally.json");
    expect(scenarios.length).to.be.greaterThanOrEqual(60);
    for (const s of scenarios) {
      const { grid, p } = await openGrid();
      const c = CLUSTER_WITH_VOTERS[s.voterCount] as number;
      const voters = grid.votersOf(c);
      for (const step of s.steps) {
        const atts = [];
        for (const [slot, choice] of step.votes) {
          atts.push(
            await signAttestation(voters[slot]!, grid.ledgerDomain, attestationOf(header(c, p, choice))),
          );
        }
        await submitItems(grid, grid.outsider, [await itemOf(grid, header(c, p, step.header), atts)]);
      }
      await grid.warpToPeriod(p + 2);
      if (!(await grid.ledger.isAccepted(c, p))) await grid.ledger.finalize(c, p);
      await grid.ledger.recordMissedVotes(c, p);
      const v = await grid.ledger.votesOf(c, p);
      const b = await grid.ledger.batchOf(c, p);
      const where = s.name;
      const e = s.expected;
      expect(v.status, where).to.equal(e.status === "accepted" ? BatchStatus.Accepted : BatchStatus.Disputed);
      expect(Number(v.votedMask), where).to.equal(e.voted);
      expect(Number(v.agreedMask), where).to.equal(e.agreed);
      expect(b.parentOverruled, where).to.equal(e.parentOverruled);
      if (e.winner !== null) expect(b.root, where).to.equal(header(c, p, e.winner).root);
      const faults = await Promise.all(voters.map((n) => grid.ledger.faults(n.address)));
      expect(faults.map(Number), where).to.deep.equal(e.faults);
    }
  });
});
