import { expect } from "chai";
import { network } from "hardhat";
import { GridShareError } from "../lib/errors.js";
import {
  batchDigest,
  buildBatch,
  InvalidBatchHeaderError,
  majority,
  WrongBatchPeriodError,
  type BatchHeader,
} from "../lib/batches/batch.js";
import { buildTree, leafHash } from "../lib/batches/merkle64.js";
import { FIXED_ONE } from "../lib/constants.js";
import { type Grid, deployGrid } from "../lab/fixtures/grid.js";
import { BatchStatus } from "../lib/chain/schema.js";
import { header } from "../lab/fixtures/batches.js";
import { signedReadings } from "../lab/fixtures/readings.js";
import { expectDisputed, gridFixture } from "./helpers/grid.js";

const connection = await network.create();
const { ethers } = connection;
const { open: openGrid } = gridFixture(connection);

/**
 * Cluster 1's voters submit for `period` in turn: node 0, the parent, proposes, nodes 1-3 vote; node i's header
 * is variant `variants[i]` (0 = the honest one).
 */
async function submitInTurn(grid: Grid, period: number, variants: readonly number[]): Promise<void> {
  for (const [node, variant] of variants.entries()) {
    const ledger = grid.ledger.connect(grid.nodes[node]);
    await (node === 0 ? ledger.propose(header(1, period, variant)) : ledger.vote(header(1, period, variant)));
  }
}

/** Node `node` of cluster 1 submits twice (the parent proposes, a neighbour votes): the second is refused. */
async function expectSecondRefused(node: 0 | 1, error: "AlreadyProposed" | "AlreadyVoted"): Promise<void> {
  const { grid, p } = await openGrid();
  const ledger = grid.ledger.connect(grid.nodes[node]);
  const submit = (h: BatchHeader) => (node === 0 ? ledger.propose(h) : ledger.vote(h));
  await submit(header(1, p));
  await expect(submit(header(1, p, 1)))
    .to.be.revertedWithCustomError(grid.ledger, error)
    .withArgs(1, p, grid.nodes[node].address);
}

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

  it("majority is strict: 1/1, 2/2, 2/3, 3/4, and agrees with the contract", async () => {
    const { grid } = await openGrid();
    expect([1, 2, 3, 4].map(majority)).to.deep.equal([1, 2, 2, 3]);
    for (const n of [1, 2, 3, 4]) expect(await grid.ledger.majority(n)).to.equal(BigInt(majority(n)));
    for (const bad of [0, 5, 2.5]) expect(() => majority(bad)).to.throw(GridShareError, /voter count/);
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

describe("BatchLedger", () => {
  it("refuses a zero registry", async () => {
    const factory = await ethers.getContractFactory("BatchLedger");
    await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, "ZeroAddress");
  });

  describe("proposal", () => {
    it("the parent proposes: event, pending tally with the voter count snapshot", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p);
      await expect(grid.ledger.connect(grid.nodes[0]).propose(h))
        .to.emit(grid.ledger, "BatchProposed")
        .withArgs(1, p, grid.nodes[0].address, batchDigest(h));
      const v = await grid.ledger.votesOf(1, p);
      expect(v.status).to.equal(BatchStatus.Pending);
      expect(v.voterCount).to.equal(4n);
      expect(v.votedMask).to.equal(1n);
      expect(v.candidates).to.deep.equal([batchDigest(h)]);
      expect(v.counts).to.deep.equal([1n]);
      expect((await grid.ledger.batchOf(1, p)).status).to.equal(BatchStatus.Pending);
      expect(await grid.ledger.isAccepted(1, p)).to.equal(false);
    });

    it("refuses anyone but the parent", async () => {
      const { grid, p } = await openGrid();
      for (const who of [grid.nodes[1], grid.nodes[4], grid.outsider]) {
        await expect(grid.ledger.connect(who).propose(header(1, p)))
          .to.be.revertedWithCustomError(grid.ledger, "NotParent")
          .withArgs(1, who.address, grid.nodes[0].address);
      }
    });

    it("refuses a second proposal, even of another header", () => expectSecondRefused(0, "AlreadyProposed"));

    it("refuses the current and future periods", async () => {
      const { grid, p } = await openGrid();
      for (const period of [p + 1, p + 5]) {
        await expect(grid.ledger.connect(grid.nodes[0]).propose(header(1, period)))
          .to.be.revertedWithCustomError(grid.ledger, "FuturePeriod")
          .withArgs(1, period, p + 1);
      }
    });

    it("refuses periods whose window closed (older than the previous period)", async () => {
      const { grid, p } = await openGrid();
      await expect(grid.ledger.connect(grid.nodes[0]).propose(header(1, p - 1)))
        .to.be.revertedWithCustomError(grid.ledger, "VotingClosed")
        .withArgs(1, p - 1, p + 1);
    });

    it("refuses a proposal once the batch is decided", async () => {
      const { grid, p } = await openGrid();
      for (const n of [1, 2, 3]) await grid.ledger.connect(grid.nodes[n]).vote(header(1, p));
      await expect(grid.ledger.connect(grid.nodes[0]).propose(header(1, p)))
        .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
        .withArgs(1, p, BatchStatus.Accepted);
    });

    it("refuses an unknown cluster (the registry's error)", async () => {
      const { grid, p } = await openGrid();
      await expect(grid.ledger.connect(grid.nodes[0]).propose(header(99, p)))
        .to.be.revertedWithCustomError(grid.registry, "UnknownCluster")
        .withArgs(99);
    });
  });

  describe("vote", () => {
    it("an assigned neighbour votes: event and tally", async () => {
      const { grid, p } = await openGrid();
      const h = header(1, p, 2);
      await expect(grid.ledger.connect(grid.nodes[2]).vote(h))
        .to.emit(grid.ledger, "VoteCast")
        .withArgs(1, p, grid.nodes[2].address, batchDigest(h));
      const v = await grid.ledger.votesOf(1, p);
      expect(v.votedMask).to.equal(1n << 2n);
      expect(v.candidates).to.deep.equal([batchDigest(h)]);
    });

    it("refuses unassigned nodes, outsiders and the parent", async () => {
      const { grid, p } = await openGrid();
      for (const who of [grid.nodes[4], grid.outsider, grid.nodes[0], grid.utility]) {
        await expect(grid.ledger.connect(who).vote(header(1, p)))
          .to.be.revertedWithCustomError(grid.ledger, "NotAssignedNeighbour")
          .withArgs(1, who.address);
      }
    });

    it("refuses a second vote, even for another digest", () => expectSecondRefused(1, "AlreadyVoted"));

    it("refuses future periods and late votes", async () => {
      const { grid, p } = await openGrid();
      await expect(grid.ledger.connect(grid.nodes[1]).vote(header(1, p + 1)))
        .to.be.revertedWithCustomError(grid.ledger, "FuturePeriod")
        .withArgs(1, p + 1, p + 1);
      await grid.ledger.connect(grid.nodes[0]).propose(header(1, p));
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.connect(grid.nodes[1]).vote(header(1, p)))
        .to.be.revertedWithCustomError(grid.ledger, "VotingClosed")
        .withArgs(1, p, p + 2);
    });

    it("refuses a neighbour assigned after the first vote (voter count snapshot)", async () => {
      const { grid, p } = await openGrid();
      await grid.ledger.connect(grid.nodes[1]).propose(header(2, p, 1)); // cluster 2: 2 voters
      // The grid grew since cluster 2 was assigned: its ranking now holds more nodes (SPEC 2).
      const ranked = [...(await grid.registry.rankNeighbours(2))];
      expect(ranked[0]).to.equal(grid.nodes[0].address);
      await grid.registry.setNeighbours(2, ranked);
      const late = grid.nodes.find((n) => n.address === ranked[1])!;
      await expect(grid.ledger.connect(late).vote(header(2, p, 1)))
        .to.be.revertedWithCustomError(grid.ledger, "VoterAfterSnapshot")
        .withArgs(2, p, late.address, 2, 2);
      // The snapshotted voters still decide with the old majority (2 of 2).
      await grid.ledger.connect(grid.nodes[0]).vote(header(2, p, 1));
      expect(await grid.ledger.isAccepted(2, p)).to.equal(true);
    });

    it("neighbours reassigned mid-vote: no fault is charged to a node for another node's vote", async () => {
      const { grid, p } = await openGrid();
      // cluster 3: voters [node2, node0, node1]; node0 (slot 1) votes a losing digest, then is replaced.
      await grid.ledger.connect(grid.nodes[0]).vote(header(3, p, 7));
      // Two clusters open right next to cluster 3: its SPEC 2 ranking becomes [x, y, node0].
      const [x, y] = (await ethers.getSigners()).slice(2 + grid.nodes.length, 4 + grid.nodes.length);
      for (const [node, north] of [
        [x, 4_100],
        [y, 3_800],
      ] as const) {
        await grid.registry.addNode(node.address, -400, north);
        await grid.registry.createCluster(node.address, -400, north);
      }
      await grid.registry.setNeighbours(3, [x.address, y.address, grid.nodes[0].address]);
      await expect(grid.ledger.connect(x).vote(header(3, p)))
        .to.be.revertedWithCustomError(grid.ledger, "AlreadyVoted")
        .withArgs(3, p, x.address);
      await grid.ledger.connect(grid.nodes[2]).propose(header(3, p));
      await expect(grid.ledger.connect(y).vote(header(3, p)))
        .to.emit(grid.ledger, "BatchAccepted")
        .and.not.to.emit(grid.ledger, "FaultRecorded");
      expect(await grid.ledger.faults(x.address)).to.equal(0n);
      expect(await grid.ledger.faults(grid.nodes[0].address)).to.equal(0n);
    });
  });

  describe("majority", () => {
    it("1 voter (no neighbours): the parent's proposal is accepted at once", async () => {
      const { grid, p } = await openGrid();
      const h = header(4, p);
      await expect(grid.ledger.connect(grid.nodes[3]).propose(h))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(4, p, batchDigest(h), false);
    });

    it("2 voters: needs both; one neighbour cannot overrule the parent", async () => {
      const { grid, p } = await openGrid();
      await grid.ledger.connect(grid.nodes[1]).propose(header(2, p));
      await grid.ledger.connect(grid.nodes[0]).vote(header(2, p, 1));
      const v = await grid.ledger.votesOf(2, p);
      expect(v.status).to.equal(BatchStatus.Pending);
      expect(v.counts).to.deep.equal([1n, 1n]);
      // Agreement decides (next period's batch).
      await grid.warpToPeriod(p + 2);
      const h = header(2, p + 1);
      await grid.ledger.connect(grid.nodes[1]).propose(h);
      await expect(grid.ledger.connect(grid.nodes[0]).vote(h))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(2, p + 1, batchDigest(h), false);
    });

    it("3 voters: 2 agreeing votes decide; root, totals and PSA are stored", async () => {
      const { grid, p } = await openGrid();
      const h = header(3, p, 0, { leafCount: 3, totalLoadWh: 9_000n, totalGenerationWh: 12_000n });
      await grid.ledger.connect(grid.nodes[2]).propose(h);
      await expect(grid.ledger.connect(grid.nodes[1]).vote(h))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(3, p, batchDigest(h), false);
      const b = await grid.ledger.batchOf(3, p);
      expect(b.status).to.equal(BatchStatus.Accepted);
      expect(b.root).to.equal(h.root);
      expect(b.leafCount).to.equal(3n);
      expect(b.totalLoadWh).to.equal(9_000n);
      expect(b.totalGenerationWh).to.equal(12_000n);
      expect(b.psa).to.equal((9_000n * FIXED_ONE) / 12_000n);
      expect(b.parentOverruled).to.equal(false);
      expect(b.decidedAt).to.be.greaterThan(0n);
      expect(await grid.ledger.isAccepted(3, p)).to.equal(true);
    });

    it("PSA is 1.0 when generation does not exceed load", async () => {
      const { grid, p } = await openGrid();
      await grid.ledger.connect(grid.nodes[3]).propose(header(4, p, 0, { totalGenerationWh: 100n }));
      expect((await grid.ledger.batchOf(4, p)).psa).to.equal(FIXED_ONE);
    });

    it("4 voters: 2 agreeing votes are not enough, the 3rd decides", async () => {
      const { grid, p } = await openGrid();
      await submitInTurn(grid, p, [0, 0]);
      expect(await grid.ledger.isAccepted(1, p)).to.equal(false);
      await expect(grid.ledger.connect(grid.nodes[3]).vote(header(1, p))).to.emit(
        grid.ledger,
        "BatchAccepted",
      );
    });
  });

  describe("overruled parent and faults", () => {
    it("3 voters: two neighbours outvote the parent; parent overruled and faulted", async () => {
      const { grid, p } = await openGrid();
      const lie = header(3, p, 9);
      const honest = header(3, p);
      await grid.ledger.connect(grid.nodes[2]).propose(lie);
      await grid.ledger.connect(grid.nodes[0]).vote(honest);
      await expect(grid.ledger.connect(grid.nodes[1]).vote(honest))
        .to.emit(grid.ledger, "BatchAccepted")
        .withArgs(3, p, batchDigest(honest), true)
        .and.to.emit(grid.ledger, "FaultRecorded")
        .withArgs(grid.nodes[2].address, 3, p);
      expect(await grid.ledger.faults(grid.nodes[2].address)).to.equal(1n);
      expect(await grid.ledger.faults(grid.nodes[0].address)).to.equal(0n);
      const b = await grid.ledger.batchOf(3, p);
      expect(b.parentOverruled).to.equal(true);
      expect(b.root).to.equal(honest.root);
    });

    it("a neighbour outvoted with the parent is faulted; the parent is not overruled", async () => {
      const { grid, p } = await openGrid();
      await submitInTurn(grid, p, [0, 5, 0]);
      await expect(grid.ledger.connect(grid.nodes[3]).vote(header(1, p)))
        .to.emit(grid.ledger, "FaultRecorded")
        .withArgs(grid.nodes[1].address, 1, p);
      expect((await grid.ledger.batchOf(1, p)).parentOverruled).to.equal(false);
      expect(await grid.ledger.faults(grid.nodes[1].address)).to.equal(1n);
    });

    it("a parent that never proposed is not overruled", async () => {
      const { grid, p } = await openGrid();
      for (const n of [1, 2, 3]) await grid.ledger.connect(grid.nodes[n]).vote(header(1, p));
      expect((await grid.ledger.batchOf(1, p)).parentOverruled).to.equal(false);
    });

    it("late votes after acceptance are recorded; a losing one is a fault, an agreeing one is not", async () => {
      const { grid, p } = await openGrid();
      await submitInTurn(grid, p, [0, 0, 0]);
      await expect(grid.ledger.connect(grid.nodes[3]).vote(header(1, p, 4)))
        .to.emit(grid.ledger, "VoteCast")
        .and.to.emit(grid.ledger, "FaultRecorded")
        .withArgs(grid.nodes[3].address, 1, p);
      const v = await grid.ledger.votesOf(1, p);
      expect(v.votedMask).to.equal(0b1111n);
      expect(v.counts).to.deep.equal([3n, 1n]);
      expect(v.choiceOf).to.deep.equal([0n, 0n, 0n, 1n]);
      expect(v.winner).to.equal(0n);

      const q = p + 1;
      await grid.warpToPeriod(q + 1);
      await submitInTurn(grid, q, [0, 0, 0]);
      await expect(grid.ledger.connect(grid.nodes[3]).vote(header(1, q))).not.to.emit(
        grid.ledger,
        "FaultRecorded",
      );
      expect(await grid.ledger.faults(grid.nodes[3].address)).to.equal(1n);
    });
  });

  describe("finalize", () => {
    it("refuses while a majority is still possible inside the window", async () => {
      const { grid, p } = await openGrid();
      await grid.ledger.connect(grid.nodes[0]).propose(header(1, p));
      await expect(grid.ledger.finalize(1, p))
        .to.be.revertedWithCustomError(grid.ledger, "VotingStillOpen")
        .withArgs(1, p, p + 1);
      await expect(grid.ledger.finalize(1, p + 1))
        .to.be.revertedWithCustomError(grid.ledger, "VotingStillOpen")
        .withArgs(1, p + 1, p + 1);
    });

    it("after the window, anyone marks a batch without majority Disputed; nothing counts, no faults", async () => {
      const { grid, p } = await openGrid();
      await submitInTurn(grid, p, [0, 0]);
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.connect(grid.outsider).finalize(1, p))
        .to.emit(grid.ledger, "BatchDisputed")
        .withArgs(1, p)
        .and.not.to.emit(grid.ledger, "FaultRecorded");
      await expectDisputed(grid, 1, p);
      await expect(grid.ledger.finalize(1, p))
        .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
        .withArgs(1, p, BatchStatus.Disputed);
    });

    it("marks Disputed early when no digest can reach a majority; later votes are refused", async () => {
      const { grid, p } = await openGrid();
      await submitInTurn(grid, p, [0, 1]);
      await expect(grid.ledger.finalize(1, p)).to.be.revertedWithCustomError(grid.ledger, "VotingStillOpen");
      await grid.ledger.connect(grid.nodes[2]).vote(header(1, p, 2)); // best 1 + 1 remaining < 3
      await expect(grid.ledger.finalize(1, p)).to.emit(grid.ledger, "BatchDisputed");
      await expect(grid.ledger.connect(grid.nodes[3]).vote(header(1, p)))
        .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
        .withArgs(1, p, BatchStatus.Disputed);
    });

    it("2 voters disagreeing: Disputed as soon as both voted", async () => {
      const { grid, p } = await openGrid();
      await grid.ledger.connect(grid.nodes[1]).propose(header(2, p));
      await grid.ledger.connect(grid.nodes[0]).vote(header(2, p, 1));
      await expect(grid.ledger.finalize(2, p)).to.emit(grid.ledger, "BatchDisputed").withArgs(2, p);
    });

    it("a cluster-period nobody submitted becomes Disputed after its window", async () => {
      const { grid, p } = await openGrid();
      await expect(grid.ledger.finalize(5, p)).to.be.revertedWithCustomError(grid.ledger, "VotingStillOpen");
      await grid.warpToPeriod(p + 2);
      await expect(grid.ledger.finalize(5, p)).to.emit(grid.ledger, "BatchDisputed").withArgs(5, p);
    });

    it("refuses accepted batches and unknown clusters", async () => {
      const { grid, p } = await openGrid();
      await grid.ledger.connect(grid.nodes[3]).propose(header(4, p));
      await expect(grid.ledger.finalize(4, p))
        .to.be.revertedWithCustomError(grid.ledger, "BatchAlreadyDecided")
        .withArgs(4, p, BatchStatus.Accepted);
      await expect(grid.ledger.finalize(42, p))
        .to.be.revertedWithCustomError(grid.ledger, "UnknownCluster")
        .withArgs(42);
    });
  });

  describe("submitMany", () => {
    it("one node proposes its own batch and votes on the clusters it neighbours, in one transaction", async () => {
      const { grid, p } = await openGrid();
      const node = grid.nodes[0]; // parent of 1, neighbour of 2, 3, 5
      const tx = grid.ledger
        .connect(node)
        .submitMany([header(1, p), header(2, p), header(3, p), header(5, p)]);
      await expect(tx)
        .to.emit(grid.ledger, "BatchProposed")
        .withArgs(1, p, node.address, batchDigest(header(1, p)));
      for (const c of [2, 3, 5]) {
        await expect(tx)
          .to.emit(grid.ledger, "VoteCast")
          .withArgs(c, p, node.address, batchDigest(header(c, p)));
      }
      for (const c of [1, 2, 3, 5]) expect((await grid.ledger.votesOf(c, p)).votedMask).to.not.equal(0n);
    });

    it("one refused item reverts the whole call", async () => {
      const { grid, p } = await openGrid();
      await expect(grid.ledger.connect(grid.nodes[0]).submitMany([header(1, p), header(4, p)]))
        .to.be.revertedWithCustomError(grid.ledger, "NotAssignedVoter")
        .withArgs(4, grid.nodes[0].address);
      expect((await grid.ledger.votesOf(1, p)).status).to.equal(BatchStatus.None);
      await expect(grid.ledger.connect(grid.nodes[0]).submitMany([header(1, p), header(1, p)]))
        .to.be.revertedWithCustomError(grid.ledger, "AlreadyProposed")
        .withArgs(1, p, grid.nodes[0].address);
    });

    it("refuses an empty list", async () => {
      const { grid } = await openGrid();
      await expect(grid.ledger.connect(grid.nodes[0]).submitMany([])).to.be.revertedWithCustomError(
        grid.ledger,
        "NoHeaders",
      );
    });
  });
});
