import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import {
  concat,
  dataSlice,
  keccak256,
  recoverAddress,
  Signature,
  toBeHex,
  toUtf8Bytes,
  Wallet,
  ZeroHash,
} from "ethers";
import { GridShareError } from "../lib/errors.js";
import {
  batchDigest,
  buildBatch,
  InvalidBatchHeaderError,
  WrongBatchPeriodError,
  type BatchHeader,
} from "../lib/batches/batch.js";
import { votesNeeded } from "../lib/batches/tally.js";
import { buildTree, leafHash } from "../lib/batches/merkle64.js";
import {
  attestationOf,
  ledgerDomain,
  signAttestation,
  type SignedAttestation,
} from "../lib/batches/attestation.js";
import { encodeSubmission, SubmissionError } from "../lib/batches/submission.js";
import { BATCH_TOTAL_BITS, FIXED_ONE, LEDGER_RING_PERIODS, MAX_SUBMISSION_ITEMS } from "../lib/constants.js";
import { assignRanking, growGrid, type Grid } from "../lab/fixtures/grid.js";
import { gridFixture } from "./helpers/grid.js";
import { BatchStatus } from "../lib/chain/schema.js";
import { header } from "../lab/fixtures/batches.js";
import { signedReadings } from "../lab/fixtures/readings.js";
import { attestAll, attestAndSubmit, itemOf, packedItem, submitItems } from "../lab/fixtures/attestations.js";

/** secp256k1's group order: `n - s` flips a signature to its high-s twin. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const connection = await network.create();
const { ethers } = connection;
const { open: openGrid } = gridFixture(connection);

describe("lib/batch", () => {
  it("digest equals the contract's keccak256(abi.encode(header))", async () => {
    const { grid, p } = await openGrid();
    for (const h of [header(1, p), header(7, 0, 3, { totalLoadWh: 2n ** 64n - 1n, leafCount: 0 })]) {
      expect(await grid.ledger.digestOf(h)).to.equal(batchDigest(h));
    }
  });

  it("digests differ when any field differs", () => {
    const base = header(1, 10);
    const variants: BatchHeader[] = [
      { ...base, clusterId: 2 },
      { ...base, period: 11 },
      { ...base, root: "0x0000000000001001" },
      { ...base, leafCount: 5 },
      { ...base, totalLoadWh: base.totalLoadWh + 1n },
      { ...base, totalGenerationWh: base.totalGenerationWh + 1n },
    ];
    const digests = new Set([base, ...variants].map(batchDigest));
    expect(digests.size).to.equal(7);
  });

  it("refuses headers that do not fit the on-chain types", () => {
    expect(() => batchDigest(header(1, 1, 0, { root: "0x1234" }))).to.throw(InvalidBatchHeaderError, /root/);
    expect(() => batchDigest(header(2 ** 32, 1))).to.throw(InvalidBatchHeaderError, /clusterId/);
    expect(() => batchDigest(header(1, 1.5))).to.throw(InvalidBatchHeaderError, /period/);
    expect(() => batchDigest(header(1, 1, 0, { totalLoadWh: -1n }))).to.throw(
      InvalidBatchHeaderError,
      /totalLoad/,
    );
    expect(() => batchDigest(header(1, 1, 0, { totalGenerationWh: 2n ** 64n }))).to.throw(/totalGeneration/);
  });

  it("votes needed: a strict majority of at least 2 (never for 1 voter), and agrees with the contract", async () => {
    const { grid } = await openGrid();
    expect([1, 2, 3, 4].map(votesNeeded)).to.deep.equal([2, 2, 2, 3]);
    for (const n of [1, 2, 3, 4]) expect(await grid.ledger.votesNeeded(n)).to.equal(BigInt(votesNeeded(n)));
    for (const bad of [0, 5, 2.5]) expect(() => votesNeeded(bad)).to.throw(GridShareError, /voter count/);
  });
});

describe("lib/batch buildBatch", () => {
  it("header = (cluster, period, root over meter-sorted leaves, count, sums of load and generation)", async () => {
    const { grid, p } = await openGrid();
    const signed = await signedReadings(grid, 1, p);
    const shuffled = [signed[2], signed[0], signed[3], signed[1]];
    const built = buildBatch(1, p, shuffled);
    const sorted = [...signed].sort((a, b) => (BigInt(a.reading.meter) < BigInt(b.reading.meter) ? -1 : 1));
    expect(built.readings.map((s) => s.reading.meter)).to.deep.equal(sorted.map((s) => s.reading.meter));
    expect(built.header.root).to.equal(buildTree(sorted.map(leafHash)).root);
    expect(built.header.leafCount).to.equal(4);
    expect(built.header.totalLoadWh).to.equal(signed.reduce((a, s) => a + s.reading.loadWh, 0n));
    expect(built.header.totalGenerationWh).to.equal(signed.reduce((a, s) => a + s.reading.generationWh, 0n));
    expect(built.header.totalGenerationWh).to.be.greaterThan(0n, "real sunny period has generation");
    expect(built.tree.root).to.equal(built.header.root);
    expect(buildBatch(1, p, signed).header).to.deep.equal(built.header, "order of input does not matter");
  });

  it("refuses a reading of another period", async () => {
    const { grid, p } = await openGrid();
    const signed = await signedReadings(grid, 1, p);
    const other = (await signedReadings(grid, 2, p + 1))[0];
    expect(() => buildBatch(1, p, [...signed.slice(1), other])).to.throw(WrongBatchPeriodError, /period/);
  });
});

// ------------------------------------------------------------------------------------------- the ledger

/** IBatchLedger.FaultKind */
const FaultKind = { LosingDigest: 0n, MissedVote: 1n } as const;

type Signer = Grid["nodes"][number];

/** `signers` attest `h`; `from` submits them as one item. */
function vote(grid: Grid, h: BatchHeader, signers: readonly Signer[], from: Signer = grid.outsider) {
  return attestAndSubmit(grid, h, signers, from);
}

async function signFor(grid: Grid, signer: Signer, h: BatchHeader): Promise<SignedAttestation> {
  return (await attestAll(grid, h, [signer]))[0] as SignedAttestation;
}

describe("BatchLedger", () => {
  describe("deployment and voter sets", () => {
    it("refuses a zero registry; copies the registry's epoch", async () => {
      const { grid } = await openGrid();
      const factory = await ethers.getContractFactory("BatchLedger");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, "ZeroAddress");
      expect(await grid.ledger.epoch()).to.equal(grid.epoch);
      expect(await grid.ledger.currentPeriod()).to.equal(BigInt(await grid.currentPeriod()));
    });

    it("the registry is wired once and pushes the clusters created before", async () => {
      const { grid } = await openGrid();
      await expect(grid.registry.setLedger(await grid.ledger.getAddress()))
        .to.be.revertedWithCustomError(grid.registry, "LedgerAlreadySet")
        .withArgs(await grid.ledger.getAddress());
      const late = await ethers.deployContract("BatchLedger", [await grid.registry.getAddress()]);
      const [version] = await late.votersOf(1);
      expect(version).to.equal(0n, "nothing pushed to an unwired ledger");
      await expect(
        grid.registry.connect(grid.outsider).setLedger(await late.getAddress()),
      ).to.be.revertedWithCustomError(grid.registry, "AccessControlUnauthorizedAccount");
      await expect(late.setVoters(1, [grid.nodes[0].address]))
        .to.be.revertedWithCustomError(late, "NotRegistry")
        .withArgs(grid.utility.address);
    });

    it("a deployment script may wire the registry it deployed (the utility being another account)", async () => {
      const { grid } = await openGrid();
      const deployer = grid.dgmd;
      const registry = await ethers.deployContract(
        "ClusterRegistry",
        [grid.utility.address, ethers.ZeroAddress, grid.epoch, 4],
        deployer,
      );
      const ledger = await ethers.deployContract("BatchLedger", [await registry.getAddress()]);
      await expect(registry.connect(grid.outsider).setLedger(await ledger.getAddress()))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(grid.outsider.address, ethers.ZeroHash);
      await expect(registry.connect(deployer).setLedger(await ledger.getAddress()))
        .to.emit(registry, "LedgerSet")
        .withArgs(await ledger.getAddress());
      expect(await registry.ledger()).to.equal(await ledger.getAddress());
      await expect(
        registry.connect(grid.utility).setLedger(await ledger.getAddress()),
      ).to.be.revertedWithCustomError(registry, "LedgerAlreadySet");
    });

    it("holds each cluster's voters, parent first, with a version per push", async () => {
      const { grid } = await openGrid();
      const [v1, voters1] = await grid.ledger.votersOf(1);
      expect(voters1).to.deep.equal(grid.votersOf(1).map((s) => s.address));
      expect(v1).to.equal(2n, "created (parent alone), then neighbours set");
      const [v4, voters4] = await grid.ledger.votersOf(4);
      expect([v4, voters4]).to.deep.equal([1n, [grid.nodes[3].address]]);
      const ranked = [...(await grid.registry.rankNeighbours(4))];
      expect(ranked).to.not.deep.equal([]);
      await expect(grid.registry.setNeighbours(4, ranked))
        .to.emit(grid.ledger, "VoterSetUpdated")
        .withArgs(4, 2, [grid.nodes[3].address, ...ranked]);
      expect((await grid.ledger.votersOf(99))[0]).to.equal(0n);
    });
  });

  describe("window", () => {
    it("refuses the current and future periods", async () => {
      const { grid, p } = await openGrid();
      for (const period of [p + 1, p + 5]) {
        await expect(vote(grid, header(1, period), grid.votersOf(1)))
          .to.be.revertedWithCustomError(grid.ledger, "FuturePeriod")
          .withArgs(1, period, p + 1);
      }
    });

    it("refuses periods whose window closed (older than the previous period)", async () => {
      const { grid, p } = await openGrid();
      await expect(vote(grid, header(1, p - 1), grid.votersOf(1)))
        .to.be.revertedWithCustomError(grid.ledger, "VotingClosed")
        .withArgs(1, p - 1, p + 1);
    });
  });

  describe("majority (SPEC 6: strict, at least 2 votes)", () => {
    it("4 voters: 3 attestations in one submission decide; root and totals stored, PSA derived", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p, 0, { totalLoadWh: 9_000n, totalGenerationWh: 12_000n });
      const [parent, n1, n2] = grid.votersOf(1);
      await expect(vote(grid, h, [parent, n1, n2]))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(1, p, batchDigest(h), 0b0111, 0b0111);
      const b = await grid.ledger.batchOf(1, p);
      expect(b.status).to.equal(BatchStatus.Accepted);
      expect([b.root, b.leafCount, b.totalLoadWh, b.totalGenerationWh]).to.deep.equal([
        h.root,
        4n,
        9_000n,
        12_000n,
      ]);
      expect(b.psa).to.equal((9_000n * FIXED_ONE) / 12_000n);
      expect(b.parentOverruled).to.equal(false);
      expect(await grid.ledger.isAccepted(1, p)).to.equal(true);
      const v = await grid.ledger.votesOf(1, p);
      expect([v.votedMask, v.agreedMask, v.digest]).to.deep.equal([0b0111n, 0b0111n, batchDigest(h)]);
    });

    it("PSA is 1.0 when generation does not exceed load", async () => {
      const { grid, p } = await openGrid();
      await vote(grid, header(2, p, 0, { totalGenerationWh: 100n }), grid.votersOf(2));
      expect((await grid.ledger.batchOf(2, p)).psa).to.equal(FIXED_ONE);
    });

    it("4 voters: 2 agreeing attestations stay pending; a third, submitted by the voter itself, decides", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p);
      const [parent, n1, , n3] = grid.votersOf(1);
      await expect(vote(grid, h, [parent, n1]))
        .to.emit(grid.ledger, "AttestationsRecorded")
        .withArgs(1, p, batchDigest(h), 0b0011);
      const v = await grid.ledger.votesOf(1, p);
      expect([v.status, v.votedMask]).to.deep.equal([BatchStatus.Pending, 0b0011n]);
      expect(await grid.ledger.pendingSlots(1, p, batchDigest(h))).to.equal(0b0011n);
      await expect(vote(grid, h, [n3], n3))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(1, p, batchDigest(h), 0b1011, 0b1011);
    });

    it("3 voters: 2 of 3 decide; 2 voters: both are needed", async () => {
      const { grid, p } = await openGrid();
      const [p3, a3] = grid.votersOf(3);
      await expect(vote(grid, header(3, p), [p3, a3])).to.emit(grid.ledger, "BatchAccepted");
      const [p2, a2] = grid.votersOf(2);
      await vote(grid, header(2, p), [p2]);
      expect(await grid.ledger.isAccepted(2, p)).to.equal(false);
      await expect(vote(grid, header(2, p), [a2], a2)).to.emit(grid.ledger, "BatchAccepted");
    });

    it("a cluster without neighbours never accepts: its parent's attestation is recorded, the batch ends Disputed", async () => {
      const { grid, p } = await openGrid();
      await expect(vote(grid, header(4, p), [grid.nodes[3]]))
        .to.emit(grid.ledger, "AttestationsRecorded")
        .and.not.to.emit(grid.ledger, "BatchAccepted");
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.finalize(4, p)).to.emit(grid.ledger, "BatchDisputed").withArgs(4, p);
    });
  });

  describe("one count per node per batch", () => {
    it("an attestation already on record is skipped, however it arrives again", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p);
      const [parent, n1] = grid.votersOf(1);
      await vote(grid, h, [parent, n1]);
      // Again, from another submitter: nothing new, no event, no change.
      const again = await vote(grid, h, [n1, parent], n1);
      await expect(again).not.to.emit(grid.ledger, "AttestationsRecorded");
      expect(await grid.ledger.pendingSlots(1, p, batchDigest(h))).to.equal(0b0011n);
      // The parent's second attestation, for another digest, does not count either.
      const other = header(1, p, 9);
      await expect(vote(grid, other, [parent])).not.to.emit(grid.ledger, "AttestationsRecorded");
      expect(await grid.ledger.pendingSlots(1, p, batchDigest(other))).to.equal(0n);
    });

    it("the registry changing the neighbours mid-window changes nothing for a started batch", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p);
      const [parent, n1, n2, n3] = grid.votersOf(1);
      await vote(grid, h, [n2]);
      // The grid grows right next to cluster 1: its SPEC 2 ranking becomes [x, n1, n2] (n3 drops out).
      const [x] = await growGrid(grid, [[100, 0]]);
      expect(await assignRanking(grid.registry.connect(grid.utility), 1)).to.deep.equal([
        x!.address,
        n1.address,
        n2.address,
      ]);
      const v = await grid.ledger.votesOf(1, p);
      expect(v.voters).to.deep.equal(
        [parent, n1, n2, n3].map((s) => s.address),
        "the batch keeps its set",
      );
      // n2 again (now third in the registry's list): still slot 2, still counted once.
      await vote(grid, h, [n2, parent]);
      expect(await grid.ledger.pendingSlots(1, p, batchDigest(h))).to.equal(0b0101n);
      await expect(vote(grid, h, [n3]))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(1, p, batchDigest(h), 0b1101, 0b1101);
      // The next period's batch counts against the new set.
      expect((await grid.ledger.votesOf(1, p + 1)).voters).to.deep.equal(
        [parent, x!, n1, n2].map((s) => s.address),
      );
    });
  });

  describe("faults (only to the node that signed, or failed to sign)", () => {
    it("dissenting attestations ride along: recorded, and charged once a digest is accepted", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p);
      const lie = header(1, p, 5);
      const [parent, n1, n2, n3] = grid.votersOf(1);
      const item = await itemOf(grid, h, [
        ...(await attestAll(grid, h, [parent, n1, n2])),
        await signFor(grid, n3, lie),
      ]);
      const tx = submitItems(grid, grid.outsider, [item]);
      await expect(tx).to.emit(grid.ledger, "BatchAccepted").withArgs(1, p, batchDigest(h), 0b1111, 0b0111);
      await expect(tx)
        .to.emit(grid.ledger, "FaultRecorded")
        .withArgs(n3.address, 1, p, FaultKind.LosingDigest);
      expect(await grid.ledger.faults(n3.address)).to.equal(1n);
      expect(await grid.ledger.faults(parent.address)).to.equal(0n);
    });

    it("a parent that withholds is outvoted by the neighbours' own submissions and overruled", async () => {
      const { grid, p } = await openGrid();
      const honest = header(3, p);
      const lie = header(3, p, 9);
      const [parent, n1, n2] = grid.votersOf(3);
      await vote(grid, lie, [parent]); // the parent submits only its own (lying) attestation
      await vote(grid, honest, [n1], n1);
      const tx = vote(grid, honest, [n2], n2);
      await expect(tx)
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(3, p, batchDigest(honest), 0b111, 0b110);
      await expect(tx)
        .to.emit(grid.ledger, "FaultRecorded")
        .withArgs(parent.address, 3, p, FaultKind.LosingDigest);
      const b = await grid.ledger.batchOf(3, p);
      expect([b.root, b.parentOverruled]).to.deep.equal([honest.root, true]);
    });

    it("a parent that never attested is not overruled", async () => {
      const { grid, p } = await openGrid();
      const [, n1, n2, n3] = grid.votersOf(1);
      await vote(grid, header(1, p), [n1, n2, n3]);
      expect((await grid.ledger.batchOf(1, p)).parentOverruled).to.equal(false);
    });

    it("late attestations after acceptance are recorded until the window closes; a losing one is a fault", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p);
      const [parent, n1, n2, n3] = grid.votersOf(1);
      await vote(grid, h, [parent, n1, n2]);
      await expect(vote(grid, header(1, p, 4), [n3], n3))
        .to.emit(grid.ledger, "FaultRecorded")
        .withArgs(n3.address, 1, p, FaultKind.LosingDigest);
      const v = await grid.ledger.votesOf(1, p);
      expect([v.votedMask, v.agreedMask]).to.deep.equal([0b1111n, 0b0111n]);

      const q = p + 1;
      await grid.warpToPeriod(q + 1);
      await vote(grid, header(1, q), [parent, n1, n2]);
      await expect(vote(grid, header(1, q), [n3], n3))
        .to.emit(grid.ledger, "AttestationsRecorded")
        .withArgs(1, q, batchDigest(header(1, q)), 0b1000)
        .and.not.to.emit(grid.ledger, "FaultRecorded");
      expect((await grid.ledger.votesOf(1, q)).agreedMask).to.equal(0b1111n);
      await grid.warpToPeriod(q + 2);
      await expect(vote(grid, header(1, q), [n3], n3)).to.be.revertedWithCustomError(
        grid.ledger,
        "VotingClosed",
      );
    });

    it("the voter set is fixed at the first vote: a node assigned later is refused; the replaced one keeps its fault", async () => {
      const { grid, p } = await openGrid();
      // cluster 3: voters [node2, node0, node1]. node1 attests a losing digest; then the grid grows right next
      // to cluster 3 and its SPEC 2 ranking, [x, y, node0], replaces node1.
      const [parent, n0, n1] = grid.votersOf(3);
      const honest = header(3, p);
      await vote(grid, header(3, p, 7), [n1]);
      const [x, y] = await growGrid(grid, [
        [-400, 4_100],
        [-400, 3_800],
      ]);
      expect(await assignRanking(grid.registry.connect(grid.utility), 3)).to.deep.equal([
        x!.address,
        y!.address,
        n0.address,
      ]);
      const late = await signFor(grid, x!, honest);
      await expect(
        grid.ledger.submit(
          packedItem(honest, [{ tag: 2, signature: late.signature }], [parent.address, n0.address]),
        ),
      )
        .to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner")
        .withArgs(3, p, 2, x!.address, n1.address);
      await expect(vote(grid, honest, [x!])).to.be.rejectedWith(SubmissionError, /not a voter/);
      await expect(vote(grid, honest, [parent, n0]))
        .to.emit(grid.ledger, "FaultRecorded")
        .withArgs(n1.address, 3, p, FaultKind.LosingDigest);
      expect(await grid.ledger.faults(x!.address)).to.equal(0n);
    });
  });

  describe("refusals", () => {
    it("bad signature: high s, or one that recovers to nobody", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      const a = await signFor(grid, grid.nodes[1], h);
      const sig = Signature.from(a.signature);
      const highS = concat([
        sig.r,
        toBeHex(SECP256K1_N - BigInt(sig.s), 32),
        toBeHex(sig.v === 27 ? 28 : 27, 1),
      ]);
      const zeroR = concat([ZeroHash, sig.s, toBeHex(sig.v, 1)]);
      for (const bad of [highS, zeroR]) {
        await expect(grid.ledger.submit(packedItem(h, [{ tag: 0, signature: bad }], [grid.nodes[0].address])))
          .to.be.revertedWithCustomError(grid.ledger, "InvalidAttestationSignature")
          .withArgs(2, p, 0);
      }
    });

    it("unassigned signer: an outsider, or a node of another cluster", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      for (const who of [grid.outsider, grid.nodes[3]]) {
        const a = await signFor(grid, who, h);
        await expect(
          grid.ledger.submit(packedItem(h, [{ tag: 1, signature: a.signature }], [grid.nodes[1].address])),
        )
          .to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner")
          .withArgs(2, p, 1, who.address, grid.nodes[0].address);
      }
      // The TS encoder refuses it before anything is sent.
      await expect(vote(grid, h, [grid.outsider])).to.be.rejectedWith(SubmissionError, /not a voter/);
    });

    it("a voter's attestation in another voter's slot", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      const a = await signFor(grid, grid.nodes[0], h); // slot 1's voter
      await expect(
        grid.ledger.submit(packedItem(h, [{ tag: 0, signature: a.signature }], [grid.nodes[0].address])),
      )
        .to.be.revertedWithCustomError(grid.ledger, "WrongAttestationSlot")
        .withArgs(2, p, 0, grid.nodes[0].address);
    });

    it("duplicate attestation in one submission: a slot twice in an item, or a cluster-period twice", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      const a = await signFor(grid, grid.nodes[1], h);
      const twice = [
        { tag: 0, signature: a.signature },
        { tag: 0, signature: a.signature },
      ];
      await expect(grid.ledger.submit(packedItem(h, twice)))
        .to.be.revertedWithCustomError(grid.ledger, "DuplicateAttestation")
        .withArgs(2, p, 0);
      const one = packedItem(h, [{ tag: 0, signature: a.signature }], [grid.nodes[0].address]);
      await expect(grid.ledger.submit(concat([one, one])))
        .to.be.revertedWithCustomError(grid.ledger, "ItemsOutOfOrder")
        .withArgs(2, p);
      await expect(vote(grid, h, [grid.nodes[1], grid.nodes[1]])).to.be.rejectedWith(
        SubmissionError,
        /two attestations/,
      );
    });

    it("attestation for another cluster or period recovers to an unassigned address", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      const parent = grid.nodes[1];
      for (const elsewhere of [
        { ...attestationOf(h), clusterId: 3 },
        { ...attestationOf(h), period: p - 1 },
      ]) {
        const a = await signAttestation(parent, grid.ledgerDomain, elsewhere);
        const signer = recoverAddress(await grid.ledger.attestationHash(2, p, batchDigest(h)), a.signature);
        await expect(
          grid.ledger.submit(packedItem(h, [{ tag: 0, signature: a.signature }], [grid.nodes[0].address])),
        )
          .to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner")
          .withArgs(2, p, 0, signer, parent.address);
        // Off chain the mismatch is named before anything is sent.
        expect(() =>
          encodeSubmission([
            { header: h, voters: [parent.address, grid.nodes[0].address], attestations: [a] },
          ]),
        ).to.throw(SubmissionError, /is for cluster/);
      }
    });

    it("wrong domain: a signature over another chain id or verifying contract recovers to an unassigned address", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      const parent = grid.nodes[1];
      const ledger = await grid.ledger.getAddress();
      for (const domain of [
        ledgerDomain(grid.chainId + 1n, ledger),
        ledgerDomain(grid.chainId, await grid.registry.getAddress()),
      ]) {
        const a = await signAttestation(parent, domain, attestationOf(h));
        const signer = recoverAddress(await grid.ledger.attestationHash(2, p, batchDigest(h)), a.signature);
        expect(signer).to.not.equal(parent.address);
        await expect(
          grid.ledger.submit(packedItem(h, [{ tag: 0, signature: a.signature }], [grid.nodes[0].address])),
        )
          .to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner")
          .withArgs(2, p, 0, signer, parent.address);
      }
    });

    it("a wrong address for an absent voter, a slot beyond the voter set, a malformed or empty submission", async () => {
      const { grid, p } = await openGrid();
      const h = header(2, p);
      const a = await signFor(grid, grid.nodes[1], h);
      const att = [{ tag: 0, signature: a.signature }];
      await expect(grid.ledger.submit(packedItem(h, att, [grid.outsider.address])))
        .to.be.revertedWithCustomError(grid.ledger, "VoterMismatch")
        .withArgs(2, p, 1, grid.outsider.address, grid.nodes[0].address);
      await expect(grid.ledger.submit(packedItem(h, [{ tag: 2, signature: a.signature }])))
        .to.be.revertedWithCustomError(grid.ledger, "SlotOutOfRange")
        .withArgs(2, p, 2, 2);
      const good = packedItem(h, att, [grid.nodes[0].address]);
      await expect(grid.ledger.submit(dataSlice(good, 0, 100))).to.be.revertedWithCustomError(
        grid.ledger,
        "MalformedSubmission",
      );
      await expect(grid.ledger.submit(concat([good, "0x00"]))).to.be.revertedWithCustomError(
        grid.ledger,
        "MalformedSubmission",
      );
      await expect(
        grid.ledger.submit(packedItem(h, [{ tag: 0x40, signature: a.signature }])),
      ).to.be.revertedWithCustomError(grid.ledger, "MalformedSubmission");
      await expect(grid.ledger.submit(packedItem(h, [])))
        .to.be.revertedWithCustomError(grid.ledger, "NoAttestations")
        .withArgs(2, p);
      await expect(grid.ledger.submit("0x")).to.be.revertedWithCustomError(grid.ledger, "EmptySubmission");
      await expect(grid.ledger.submit(packedItem(header(99, p), att)))
        .to.be.revertedWithCustomError(grid.ledger, "UnknownCluster")
        .withArgs(99);
    });
  });

  describe("many cluster-periods per submission", () => {
    it("one transaction decides several clusters; items must ascend; one refused item reverts all", async () => {
      const { grid, p } = await openGrid();
      const items = [];
      for (const c of [5, 1, 3, 2])
        items.push(await itemOf(grid, header(c, p), await attestAll(grid, header(c, p), grid.votersOf(c))));
      const tx = submitItems(grid, grid.outsider, items); // the encoder sorts them
      for (const c of [1, 2, 3, 5])
        await expect(tx)
          .to.emit(grid.ledger, "BatchAccepted")
          .withArgs(c, p, batchDigest(header(c, p)), anyValue, anyValue);

      const q = p + 1;
      await grid.warpToPeriod(q + 1);
      const raw = [];
      for (const c of [2, 1])
        raw.push(
          packedItem(
            header(c, q),
            (await attestAll(grid, header(c, q), grid.votersOf(c))).map((a, slot) => ({
              tag: slot,
              signature: a.signature,
            })),
          ),
        );
      await expect(grid.ledger.submit(concat(raw)))
        .to.be.revertedWithCustomError(grid.ledger, "ItemsOutOfOrder")
        .withArgs(1, q);
      const outsiderSig = await signFor(grid, grid.outsider, header(3, q));
      const bad = packedItem(
        header(3, q),
        [{ tag: 1, signature: outsiderSig.signature }],
        [grid.nodes[2].address, grid.nodes[1].address],
      );
      await expect(
        grid.ledger.submit(concat([raw[1] as string, raw[0] as string, bad])),
      ).to.be.revertedWithCustomError(grid.ledger, "UnassignedSigner");
      expect((await grid.ledger.votesOf(1, q)).status).to.equal(BatchStatus.None);
    });

    it("refuses more than MAX_ITEMS items", async () => {
      const { grid, p } = await openGrid();
      const max = Number(await grid.ledger.MAX_ITEMS());
      expect(max).to.equal(MAX_SUBMISSION_ITEMS);
      // max + 1 single-parent clusters, each item with its parent's (valid) attestation.
      const items: string[] = [];
      const first = Number(await grid.registry.clusterCount()) + 1;
      for (let i = 0; i <= max; i++) {
        const parent = new Wallet(keccak256(toUtf8Bytes(`gridshare-test-many-${i}`)));
        await grid.registry.addNode(parent.address, 10_000 + i, 0);
        await grid.registry.createCluster(parent.address, 10_000 + i, 0);
        const h = header(first + i, p);
        const a = await signAttestation(parent, grid.ledgerDomain, attestationOf(h));
        items.push(packedItem(h, [{ tag: 0, signature: a.signature }]));
      }
      await expect(grid.ledger.submit(concat(items)))
        .to.be.revertedWithCustomError(grid.ledger, "TooManyItems")
        .withArgs(max);
      await grid.ledger.submit(concat(items.slice(0, max)));
      expect((await grid.ledger.votesOf(first + max - 1, p)).votedMask).to.equal(1n);
    });
  });

  describe("finalize", () => {
    it("refuses while the window is open", async () => {
      const { grid, p } = await openGrid();
      await vote(grid, header(1, p), [grid.nodes[0]]);
      for (const period of [p, p + 1]) {
        await expect(grid.ledger.finalize(1, period))
          .to.be.revertedWithCustomError(grid.ledger, "VotingStillOpen")
          .withArgs(1, period, p + 1);
      }
    });

    it("after the window, anyone marks a batch without majority Disputed; nothing counts, no faults", async () => {
      const { grid, p } = await openGrid();
      const [parent, n1] = grid.votersOf(1);
      await vote(grid, header(1, p), [parent]);
      await vote(grid, header(1, p, 1), [n1]);
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.connect(grid.outsider).finalize(1, p))
        .to.emit(grid.ledger, "BatchDisputed")
        .withArgs(1, p)
        .and.not.to.emit(grid.ledger, "FaultRecorded");
      const b = await grid.ledger.batchOf(1, p);
      expect([b.status, b.root, b.psa]).to.deep.equal([BatchStatus.Disputed, "0x0000000000000000", 0n]);
      expect(await grid.ledger.isAccepted(1, p)).to.equal(false);
      await expect(grid.ledger.finalize(1, p))
        .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
        .withArgs(1, p, BatchStatus.Disputed);
    });

    it("a cluster-period nobody attested becomes Disputed after its window; accepted ones and unknown clusters are refused", async () => {
      const { grid, p } = await openGrid();
      await vote(grid, header(2, p), grid.votersOf(2));
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.finalize(5, p)).to.emit(grid.ledger, "BatchDisputed").withArgs(5, p);
      expect((await grid.ledger.votesOf(5, p)).voterSetVersion).to.equal(2n);
      await expect(grid.ledger.finalize(2, p))
        .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
        .withArgs(2, p, BatchStatus.Accepted);
      await expect(grid.ledger.finalize(42, p))
        .to.be.revertedWithCustomError(grid.ledger, "UnknownCluster")
        .withArgs(42);
    });
  });

  describe("missed votes", () => {
    it("after the window anyone charges each voter without an attestation on record, once", async () => {
      const { grid, p } = await openGrid();
      const [parent, n1, n2, n3] = grid.votersOf(1);
      await vote(grid, header(1, p), [parent, n1, n2]);
      await expect(grid.ledger.recordMissedVotes(1, p))
        .to.be.revertedWithCustomError(grid.ledger, "VotingStillOpen")
        .withArgs(1, p, p + 1);
      await grid.warpToPeriod(p + 2);
      const tx = grid.ledger.connect(grid.outsider).recordMissedVotes(1, p);
      await expect(tx).to.emit(grid.ledger, "MissedVotesRecorded").withArgs(1, p, 0b1000);
      await expect(tx).to.emit(grid.ledger, "FaultRecorded").withArgs(n3.address, 1, p, FaultKind.MissedVote);
      expect(await grid.ledger.faults(n3.address)).to.equal(1n);
      expect((await grid.ledger.votesOf(1, p)).missedVotesRecorded).to.equal(true);
      await expect(grid.ledger.recordMissedVotes(1, p))
        .to.be.revertedWithCustomError(grid.ledger, "MissedVotesAlreadyRecorded")
        .withArgs(1, p);
    });

    it("an undecided batch must be finalized first; a Disputed one charges everyone who did not attest", async () => {
      const { grid, p } = await openGrid();
      await vote(grid, header(3, p), [grid.nodes[0]]);
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.recordMissedVotes(3, p))
        .to.be.revertedWithCustomError(grid.ledger, "BatchNotDecided")
        .withArgs(3, p, BatchStatus.Pending);
      await grid.ledger.finalize(3, p);
      await expect(grid.ledger.recordMissedVotes(3, p))
        .to.emit(grid.ledger, "MissedVotesRecorded")
        .withArgs(3, p, 0b101);
      expect(await grid.ledger.faults(grid.nodes[2].address)).to.equal(1n);
      expect(await grid.ledger.faults(grid.nodes[1].address)).to.equal(1n);
      expect(await grid.ledger.faults(grid.nodes[0].address)).to.equal(0n);
    });

    it("charges the batch's own voters, not the nodes the utility assigned since", async () => {
      const { grid, p } = await openGrid();
      const [parent, n0] = grid.votersOf(3);
      await vote(grid, header(3, p), [parent, n0]);
      // The grid grows right next to cluster 3: its ranking [x, y, node0] replaces node1.
      const [x, y] = await growGrid(grid, [
        [-400, 4_100],
        [-400, 3_800],
      ]);
      await assignRanking(grid.registry.connect(grid.utility), 3);
      await grid.warpToPeriod(p + 2);
      await grid.ledger.recordMissedVotes(3, p);
      expect(await grid.ledger.faults(grid.nodes[1].address)).to.equal(1n, "the batch's absent voter");
      for (const late of [x!, y!]) {
        expect(await grid.ledger.faults(late.address)).to.equal(0n, "assigned after the first vote");
      }
    });
  });
  describe("ring of periods (1,024 per cluster; SPEC 3/8 retention is 13 weeks)", () => {
    it("period p + 1,024 reuses p's word: counted afresh, and p is BatchExpired from then on", async () => {
      const { grid, p } = await openGrid();
      const ring = Number(await grid.ledger.RING_PERIODS());
      expect(ring).to.equal(LEDGER_RING_PERIODS);
      const [parent, n1, n2, n3] = grid.votersOf(1);
      await vote(grid, header(1, p, 0, { totalLoadWh: 9_000n }), [parent, n1, n2]);
      // At the ring's edge p is still there; one period later its word may be rewritten.
      await grid.warpToPeriod(p + ring);
      expect((await grid.ledger.batchOf(1, p)).totalLoadWh).to.equal(9_000n);
      await grid.warpToPeriod(p + ring + 1);
      for (const read of [() => grid.ledger.batchOf(1, p), () => grid.ledger.votesOf(1, p)]) {
        await expect(read())
          .to.be.revertedWithCustomError(grid.ledger, "BatchExpired")
          .withArgs(1, p, p + ring + 1);
      }
      // The old lap's word reads as nothing for the new period: no status, no votes, no totals.
      const q = p + ring;
      const before = await grid.ledger.votesOf(1, q);
      expect([before.status, before.votedMask]).to.deep.equal([BatchStatus.None, 0n]);
      // Two attestations only: the old lap's three voted slots must not make it a majority.
      await vote(grid, header(1, q, 0, { totalLoadWh: 7_000n }), [n2, n3]);
      const pending = await grid.ledger.votesOf(1, q);
      expect([pending.status, pending.votedMask]).to.deep.equal([BatchStatus.Pending, 0b1100n]);
      await vote(grid, header(1, q, 0, { totalLoadWh: 7_000n }), [parent]);
      const b = await grid.ledger.batchOf(1, q);
      expect([b.status, b.totalLoadWh, b.totalGenerationWh]).to.deep.equal([
        BatchStatus.Accepted,
        7_000n,
        15_000n,
      ]);
      expect((await grid.ledger.votesOf(1, q)).digest).to.equal(
        batchDigest(header(1, q, 0, { totalLoadWh: 7_000n })),
      );
      await expect(grid.ledger.finalize(1, p))
        .to.be.revertedWithCustomError(grid.ledger, "BatchExpired")
        .withArgs(1, p, p + ring + 1);
    });

    it("an earlier lap's accepted word does not make the new period decided; finalize and missed votes see the new lap", async () => {
      const { grid, p } = await openGrid();
      const ring = LEDGER_RING_PERIODS;
      await vote(grid, header(2, p), grid.votersOf(2));
      await grid.warpToPeriod(p + ring + 2);
      const q = p + ring;
      expect(await grid.ledger.isAccepted(2, q)).to.equal(false);
      await expect(grid.ledger.recordMissedVotes(2, q))
        .to.be.revertedWithCustomError(grid.ledger, "BatchNotDecided")
        .withArgs(2, q, BatchStatus.None);
      await expect(grid.ledger.finalize(2, q)).to.emit(grid.ledger, "BatchDisputed").withArgs(2, q);
      await expect(grid.ledger.recordMissedVotes(2, q))
        .to.emit(grid.ledger, "MissedVotesRecorded")
        .withArgs(2, q, (1 << grid.votersOf(2).length) - 1);
      expect((await grid.ledger.batchOf(2, q)).status).to.equal(BatchStatus.Disputed);
    });

    it("refuses header totals of 2^52 Wh or more (beyond any batch of valid readings); the TS encoder too", async () => {
      const { grid, p } = await openGrid();
      const limit = 2n ** BigInt(BATCH_TOTAL_BITS);
      for (const [c, over] of [
        [1, { totalLoadWh: limit }],
        [2, { totalGenerationWh: 2n ** 64n - 1n }],
      ] as const) {
        const h = header(c, p, 0, over);
        const atts = await attestAll(grid, h, grid.votersOf(c));
        const packed = packedItem(
          h,
          atts.map((a, slot) => ({ tag: slot, signature: a.signature })),
        );
        await expect(grid.ledger.submit(packed))
          .to.be.revertedWithCustomError(grid.ledger, "TotalsOutOfRange")
          .withArgs(c, p, BATCH_TOTAL_BITS);
        expect(() => encodeSubmission([{ header: h, voters: [], attestations: atts }])).to.throw(
          SubmissionError,
          /2\^52 or more/,
        );
      }
      const top = header(3, p, 0, { totalLoadWh: limit - 1n, totalGenerationWh: limit - 1n });
      await vote(grid, top, grid.votersOf(3));
      const b = await grid.ledger.batchOf(3, p);
      expect([b.totalLoadWh, b.totalGenerationWh]).to.deep.equal([limit - 1n, limit - 1n]);
      expect((await grid.ledger.votesOf(3, p)).digest).to.equal(batchDigest(top));
    });
  });
});
