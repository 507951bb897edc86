/**
 * Scenarios beyond the paper's five classes (issue 7, "Extended"): replay, signature malleability, Merkle proof
 * tricks, voting-window and double-vote abuse, role abuse, extreme values. Each mounts the attack and reports what
 * the contracts or checks did.
 */
import { Wallet } from "ethers";
import { buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import { psa } from "../../lib/mes/mes.js";
import { checkReading, signReading, verifyReadingSignature, type SignedReading } from "../../lib/batches/reading.js";
import { readingFor } from "../fixtures/readings.js";
import type { Grid } from "../fixtures/grid.js";
import { chainDomain, domainOf, highS, signTamperAlarm } from "./chain.js";
import { attempt, checkVerdict, honestBatch, openPeriod, txObservation, type TxVerdict } from "./mount.js";
import {
  forgedCertificate,
  replayAfterRevocation,
  tariffAfterWeekStart,
  toleranceOutOfRange,
} from "./dgmd.js";
import { collisionCost } from "./collision.js";
import { gatewayFlood } from "./gateway-flood.js";
import { innerNodeAsLeaf, otherLeafCount, PROOF_REFUSED } from "./proofs.js";
import { extremeBilling, settleTwice } from "./settlement.js";
import type { AttackContext, Observation, Scenario } from "./types.js";

const TARGET = 1;
/** Cluster 2: parent node 1 and one neighbour (node 0): 2 voters. */
const PAIR = 2;
const UINT64_MAX = 2n ** 64n - 1n;
const FIXED_ONE = 10n ** 18n;

const GRIDSHARE = (expected: string) => ({ gridshare: expected });

function refusedBoth(a: string, b: string): Observation {
  const ok = !a.startsWith("refused") || !b.startsWith("refused");
  return { outcome: ok ? `${a} + ${b}` : `${a} + ${b.replace(/^refused: /, "")}`, attackSucceeded: ok };
}

function verdictName(v: TxVerdict): string {
  return v.ok ? "accepted" : `refused: ${v.error}`;
}

/** Outsider, a node (a parent) and the DGMD call every utility-only function of the registry. */
async function roleAbuse(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  await openPeriod(grid);
  const registry = grid.registry;
  const meter = grid.meters[TARGET - 1][0].address;
  const fresh = Wallet.createRandom().address;
  const admin = await registry.DEFAULT_ADMIN_ROLE();
  const adminCalls: Record<string, (r: typeof registry) => ReturnType<typeof registry.addNode>> = {
    addNode: (r) => r.addNode(fresh, 1, 1),
    removeNode: (r) => r.removeNode(grid.nodes[0].address),
    createCluster: (r) => r.createCluster(grid.nodes[0].address, 0, 0),
    setNeighbours: (r) => r.setNeighbours(TARGET, [grid.nodes[4].address]),
    addMeter: (r) => r.addMeter(TARGET, fresh, 1),
    removeMeter: (r) => r.removeMeter(meter),
    replaceMeter: (r) => r.replaceMeter(meter, fresh, "WP-forged"),
    grantRole: (r) => r.grantRole(admin, fresh),
    revokeRole: (r) => r.revokeRole(admin, grid.utility.address),
    // EVIDENCE_ROLE only (the ReadingEvidence contract the utility appoints).
    markCompromised: (r) => r.markCompromised(meter, 0, fresh),
  };
  // Callable by others by design, with their own checks (tested in other scenarios).
  const notAdmin = new Set(["raiseTamperAlarm", "reportTamper", "renounceRole"]);
  const mutating = registry.interface.fragments
    .filter((f) => f.type === "function")
    .map((f) => f as unknown as { name: string; stateMutability: string })
    .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure")
    .map((f) => f.name);
  const unlisted = mutating.filter((n) => !(n in adminCalls) && !notAdmin.has(n));
  if (unlisted.length > 0) return { outcome: `unlisted: ${unlisted.join(" ")}`, attackSucceeded: true };

  const callers = { outsider: grid.outsider, parentNode: grid.nodes[0], dgmd: grid.dgmd };
  const errors = new Map<string, number>();
  const allowed: string[] = [];
  for (const [who, signer] of Object.entries(callers)) {
    for (const [fn, call] of Object.entries(adminCalls)) {
      const v = await attempt(() => call(registry.connect(signer)), registry.interface);
      if (v.ok) allowed.push(`${who}.${fn}`);
      else errors.set(v.error, (errors.get(v.error) ?? 0) + 1);
    }
  }
  const total = Object.keys(callers).length * Object.keys(adminCalls).length;
  if (allowed.length > 0) return { outcome: `accepted: ${allowed.join(" ")}`, attackSucceeded: true };
  return {
    outcome: `refused: ${[...errors.keys()].join(" ")} (${total} of ${total} calls)`,
    attackSucceeded: false,
    detail: `functions: ${Object.keys(adminCalls).join(" ")}; callers: ${Object.keys(callers).join(" ")}`,
  };
}

/** Accept headers with extreme totals (two voters agree) and read PSA back; compare with the TS twin. */
async function extremeMes(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const [parent, neighbour] = grid.votersOf(PAIR);
  const cases: [bigint, bigint][] = [
    [1n, UINT64_MAX],
    [UINT64_MAX, UINT64_MAX],
    [UINT64_MAX - 1n, UINT64_MAX],
    [0n, 0n],
    [0n, UINT64_MAX],
  ];
  const seen: string[] = [];
  for (const [totalLoadWh, totalGenerationWh] of cases) {
    const p = await openPeriod(grid);
    const h: BatchHeader = {
      clusterId: PAIR,
      period: p,
      root: "0x00000000000000e1",
      leafCount: 4,
      totalLoadWh,
      totalGenerationWh,
    };
    const a = await attempt(() => grid.ledger.connect(parent).propose(h), grid.ledger.interface);
    const b = await attempt(() => grid.ledger.connect(neighbour).vote(h), grid.ledger.interface);
    if (!a.ok || !b.ok)
      return { outcome: `reverted: ${verdictName(a)} / ${verdictName(b)}`, attackSucceeded: true };
    const onChain = (await grid.ledger.batchOf(PAIR, p)).psa;
    const twin = psa(totalLoadWh, totalGenerationWh);
    if (onChain !== twin || onChain > FIXED_ONE)
      return { outcome: `wrong PSA ${onChain} (TS ${twin})`, attackSucceeded: true };
    seen.push(`(${totalLoadWh},${totalGenerationWh})->${onChain}`);
  }
  return {
    outcome: "no overflow: PSA <= 1 and equal to the TS twin",
    attackSucceeded: false,
    detail: seen.join(" "),
  };
}

export const EXTENDED_SCENARIOS: readonly Scenario[] = [
  {
    id: "X01",
    attackClass: "extended",
    title: "replayed reading: last period's signed reading in this period's batch, or relabelled",
    paperColumn: "-",
    expected: GRIDSHARE("refused: WrongBatchPeriodError + SignatureMismatchError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { p, readings } = await honestBatch(grid, TARGET);
      const domain = await chainDomain(grid);
      const asIs = checkVerdict(() => buildBatch(TARGET, p + 1, readings));
      const relabelled: SignedReading = {
        ...readings[0],
        reading: { ...readings[0].reading, period: p + 1 },
      };
      const relabel = checkVerdict(() => verifyReadingSignature(domain, relabelled));
      return refusedBoth(asIs, relabel);
    },
  },
  {
    id: "X02",
    attackClass: "extended",
    title: "replayed reading signed for another chain id",
    paperColumn: "-",
    expected: GRIDSHARE("refused: SignatureMismatchError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const p = await openPeriod(grid);
      const domain = await chainDomain(grid);
      const meter = grid.meters[TARGET - 1][0];
      const other = { ...domain, chainId: BigInt(domain.chainId ?? 0n) + 1n };
      const signed = await signReading(meter, other, readingFor(grid, meter, TARGET, 0, p));
      const outcome = checkVerdict(() => verifyReadingSignature(domain, signed));
      return { outcome, attackSucceeded: outcome === "passed", detail: `signed for chain ${other.chainId}` };
    },
  },
  {
    id: "X03",
    attackClass: "extended",
    title: "replayed reading signed for another (really deployed) registry contract",
    paperColumn: "-",
    expected: GRIDSHARE("refused: SignatureMismatchError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const p = await openPeriod(grid);
      const otherRegistry = await ctx.ethers.deployContract("ClusterRegistry", [
        grid.utility.address,
        grid.dgmd.address,
        grid.epoch,
        4,
      ]);
      const otherDomain = await domainOf(otherRegistry);
      const meter = grid.meters[TARGET - 1][0];
      const signed = await signReading(meter, otherDomain, readingFor(grid, meter, TARGET, 0, p));
      const domain = await chainDomain(grid);
      const outcome = checkVerdict(() => verifyReadingSignature(domain, signed));
      return {
        outcome,
        attackSucceeded: outcome === "passed",
        detail: `signed for ${otherDomain.verifyingContract}`,
      };
    },
  },
  {
    id: "X04",
    attackClass: "extended",
    title: "high-s signature variant: of a tamper alarm (on-chain) and of a reading (node check)",
    paperColumn: "-",
    expected: GRIDSHARE("refused: ECDSAInvalidSignatureS + NonCanonicalSignatureError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { readings } = await honestBatch(grid, TARGET);
      const meter = grid.meters[TARGET - 1][0];
      const now = BigInt(await ctx.helpers.time.latest());
      const alarm = highS(await signTamperAlarm(grid, meter, meter.address, now));
      const onChain = await attempt(
        () => grid.registry.raiseTamperAlarm(meter.address, now, alarm),
        grid.registry.interface,
      );
      const domain = await chainDomain(grid);
      const mine = readings.find((r) => r.reading.meter === meter.address) ?? readings[0];
      const offChain = checkVerdict(() =>
        verifyReadingSignature(domain, { ...mine, signature: highS(mine.signature) }),
      );
      return refusedBoth(verdictName(onChain), offChain);
    },
  },
  {
    id: "X05",
    attackClass: "extended",
    title: "duplicate meter-period: the meter signs two different readings for one period",
    paperColumn: "-",
    expected: GRIDSHARE("refused: MerkleInputError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { p, readings } = await honestBatch(grid, TARGET);
      const meter = grid.meters[TARGET - 1][0];
      const first = readings.find((r) => r.reading.meter === meter.address) ?? readings[0];
      const second = await signReading(meter, await chainDomain(grid), {
        ...first.reading,
        importWh: first.reading.importWh + 100n,
        loadWh: first.reading.loadWh + 100n,
      });
      const outcome = checkVerdict(() => buildBatch(TARGET, p, [...readings, second]));
      return { outcome, attackSucceeded: outcome === "passed" };
    },
  },
  {
    id: "X06",
    attackClass: "extended",
    title: "inner node presented as a leaf (TS verifier, Merkle64.sol, BatchLedger.requireProvenReading)",
    paperColumn: "-",
    expected: GRIDSHARE(`${PROOF_REFUSED} (TS, Merkle64) + InvalidMerkleProof (ledger)`),
    run: innerNodeAsLeaf,
  },
  {
    id: "X07",
    attackClass: "extended",
    title: "valid leaf and path, proof shaped for another leaf count (TS, Merkle64.sol, ledger)",
    paperColumn: "-",
    expected: GRIDSHARE(`${PROOF_REFUSED} (TS, Merkle64) + InvalidMerkleProof (ledger)`),
    run: otherLeafCount,
  },
  {
    id: "X08",
    attackClass: "extended",
    title: "vote after the window closed",
    paperColumn: "-",
    expected: GRIDSHARE("refused: VotingClosed"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { p, honest } = await honestBatch(grid, TARGET);
      await grid.warpToPeriod(p + 2);
      const [, neighbour] = grid.votersOf(TARGET);
      return txObservation(
        await attempt(() => grid.ledger.connect(neighbour).vote(honest), grid.ledger.interface),
      );
    },
  },
  {
    id: "X09",
    attackClass: "extended",
    title: "double vote: a neighbour votes again for another digest",
    paperColumn: "-",
    expected: GRIDSHARE("refused: AlreadyVoted"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { honest } = await honestBatch(grid, TARGET);
      const [, neighbour] = grid.votersOf(TARGET);
      const ledger = grid.ledger.connect(neighbour);
      await (await ledger.vote({ ...honest, totalLoadWh: honest.totalLoadWh + 1n })).wait();
      return txObservation(await attempt(() => ledger.vote(honest), grid.ledger.interface));
    },
  },
  {
    id: "X10",
    attackClass: "extended",
    title: "parent proposes the batch of the current (not yet ended) period",
    paperColumn: "-",
    expected: GRIDSHARE("refused: FuturePeriod"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { p, honest } = await honestBatch(grid, TARGET);
      const [parent] = grid.votersOf(TARGET);
      const early = { ...honest, period: p + 1 };
      return txObservation(
        await attempt(() => grid.ledger.connect(parent).propose(early), grid.ledger.interface),
      );
    },
  },
  {
    id: "X11",
    attackClass: "extended",
    title: "capacity certificate signed by a non-DGMD key (an outsider, a node)",
    paperColumn: "-",
    expected: GRIDSHARE("refused: SignerNotDgmd"),
    run: forgedCertificate,
  },
  {
    id: "X12",
    attackClass: "extended",
    title: "capacity certificate replayed after revocation",
    paperColumn: "-",
    expected: GRIDSHARE("refused: CertIdUsed"),
    run: replayAfterRevocation,
  },
  {
    id: "X13",
    attackClass: "extended",
    title: "tolerance set outside 10%..15% (999 and 1501 bps), and set by the utility",
    paperColumn: "-",
    expected: GRIDSHARE("refused: ToleranceOutOfRange + ToleranceOutOfRange + NotDgmd"),
    run: toleranceOutOfRange,
  },
  {
    id: "X14",
    attackClass: "extended",
    title: "tariff changed after its week started",
    paperColumn: "-",
    expected: GRIDSHARE("refused: WeekAlreadyStarted"),
    run: tariffAfterWeekStart,
  },
  {
    id: "X15",
    attackClass: "extended",
    title: "outsider, a parent node and the DGMD call every utility-only registry function",
    paperColumn: "-",
    expected: GRIDSHARE("refused: AccessControlUnauthorizedAccount (30 of 30 calls)"),
    run: roleAbuse,
  },
  {
    id: "X16",
    attackClass: "extended",
    title: "settlement of one meter-week twice",
    paperColumn: "-",
    expected: GRIDSHARE("refused: AlreadySettled"),
    run: settleTwice,
  },
  {
    id: "X17",
    attackClass: "extended",
    title: "extreme totals (0, 1, 2^64-1) in accepted batches: PSA on-chain",
    paperColumn: "-",
    expected: GRIDSHARE("no overflow: PSA <= 1 and equal to the TS twin"),
    run: extremeMes,
  },
  {
    id: "X18",
    attackClass: "extended",
    title: "largest reading the chain accepts (250 kW peaks, 1 MWh) and uint64 capacity billed on-chain",
    paperColumn: "-",
    expected: GRIDSHARE(
      "no overflow: default rates: quote = twin, settle recorded; uint64-max rates: quote = twin, settle recorded",
    ),
    run: extremeBilling,
  },
  {
    id: "X19",
    attackClass: "extended",
    title: "gateway flooded with malformed posts (bounded, loopback)",
    paperColumn: "-",
    expected: GRIDSHARE(
      "refused all 144 hostile posts (4xx), healthy, DB unchanged but quarantine, 4 of 4 valid readings taken",
    ),
    run: gatewayFlood,
  },
  {
    id: "X20",
    attackClass: "extended",
    title:
      "64-bit collision: free inputs, and two meter-signed readings with one leaf (measured, extrapolated)",
    paperColumn: "-",
    expected: GRIDSHARE(
      "free-input 64-bit birthday: > 1 h, < 10 years (one thread); " +
        "meter-key equivocation: collision at 16 bits, 64 bits < 10 years (one thread)",
    ),
    run: collisionCost,
  },
  {
    id: "X21",
    attackClass: "extended",
    title: "forged tamper alarm to silence an honest meter (outsider key)",
    paperColumn: "-",
    expected: GRIDSHARE("refused: InvalidTamperSignature"),
    async run(ctx) {
      const grid = await ctx.grid();
      await openPeriod(grid);
      const meter = grid.meters[TARGET - 1][0].address;
      const now = BigInt(await ctx.helpers.time.latest());
      const sig = await signTamperAlarm(grid, new Wallet("0x" + "7a".repeat(32)), meter, now);
      const v = await attempt(() => grid.registry.raiseTamperAlarm(meter, now, sig), grid.registry.interface);
      const status = (await grid.registry.meterInfo(meter)).status;
      return txObservation(v, `meter status after: ${status}`);
    },
  },
  {
    id: "X22",
    attackClass: "extended",
    title: "a parent reports tamper on another cluster's meter",
    paperColumn: "-",
    expected: GRIDSHARE("refused: NotParentOfMeter"),
    async run(ctx) {
      const grid = await ctx.grid();
      await openPeriod(grid);
      const victim = grid.meters[PAIR - 1][0].address;
      const [parentOfTarget] = grid.votersOf(TARGET);
      return txObservation(
        await attempt(
          () => grid.registry.connect(parentOfTarget).reportTamper(victim),
          grid.registry.interface,
        ),
      );
    },
  },
  {
    id: "X23",
    attackClass: "extended",
    title: "finalize while a majority is still possible, to force Disputed",
    paperColumn: "-",
    expected: GRIDSHARE("refused: VotingStillOpen"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { honest } = await honestBatch(grid, TARGET);
      const [parent] = grid.votersOf(TARGET);
      await (await grid.ledger.connect(parent).propose(honest)).wait();
      return txObservation(
        await attempt(
          () => grid.ledger.connect(grid.outsider).finalize(TARGET, honest.period),
          grid.ledger.interface,
        ),
      );
    },
  },
  {
    id: "X24",
    attackClass: "extended",
    title: "parent proposes twice, the second time another header",
    paperColumn: "-",
    expected: GRIDSHARE("refused: AlreadyProposed"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { honest } = await honestBatch(grid, TARGET);
      const ledger = grid.ledger.connect(grid.votersOf(TARGET)[0]);
      await (await ledger.propose(honest)).wait();
      return txObservation(
        await attempt(() => ledger.propose({ ...honest, totalGenerationWh: 0n }), grid.ledger.interface),
      );
    },
  },
  {
    id: "X25",
    attackClass: "extended",
    title: "parent re-proposes after the batch was accepted",
    paperColumn: "-",
    expected: GRIDSHARE("refused: BatchAlreadyDecided"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { honest } = await honestBatch(grid, PAIR);
      const [parent, neighbour] = grid.votersOf(PAIR);
      await (await grid.ledger.connect(neighbour).vote(honest)).wait();
      await (await grid.ledger.connect(parent).propose(honest)).wait();
      return txObservation(
        await attempt(
          () => grid.ledger.connect(parent).propose({ ...honest, totalLoadWh: 1n }),
          grid.ledger.interface,
        ),
      );
    },
  },
  {
    id: "X26",
    attackClass: "extended",
    title: "a neighbour assigned mid-window votes on the pending batch",
    paperColumn: "-",
    expected: GRIDSHARE("refused: VoterAfterSnapshot"),
    async run(ctx) {
      const grid = await ctx.grid();
      const { honest } = await honestBatch(grid, PAIR);
      const [parent, neighbour] = grid.votersOf(PAIR);
      await (
        await grid.ledger.connect(parent).propose({ ...honest, totalLoadWh: honest.totalLoadWh + 7n })
      ).wait();
      // The grid grew since the pair cluster was assigned: its SPEC 2 ranking now holds more nodes.
      const ranked = [...(await grid.registry.rankNeighbours(PAIR))];
      if (ranked[0] !== neighbour.address) throw new Error("scenario bug: the neighbour left the ranking");
      const late = grid.nodes.find((n) => n.address === ranked[1])!;
      await (await grid.registry.connect(grid.utility).setNeighbours(PAIR, ranked)).wait();
      return txObservation(
        await attempt(
          () => grid.ledger.connect(late).vote({ ...honest, totalLoadWh: honest.totalLoadWh + 7n }),
          grid.ledger.interface,
        ),
      );
    },
  },
  {
    id: "X27",
    attackClass: "extended",
    title: "a consumer meter signs a reading with generation (inflating the cluster's G)",
    paperColumn: "-",
    expected: GRIDSHARE("refused: ConsumerGenerationError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const p = await openPeriod(grid);
      const index = grid.meters[TARGET - 1].findIndex((m) => !grid.prosumers.has(m.address));
      const meter = grid.meters[TARGET - 1][index];
      const info = await grid.registry.meterInfo(meter.address);
      const r = readingFor(grid, meter, TARGET, index, p);
      const signed = await signReading(meter, await chainDomain(grid), {
        ...r,
        generationWh: 2_000n,
        exportWh: r.exportWh + 2_000n,
        peakGenerationW: 900,
      });
      const domain = await chainDomain(grid);
      verifyReadingSignature(domain, signed); // validly signed by the meter itself
      const kind = info.kind === 1n ? "consumer" : "prosumer";
      const outcome = checkVerdict(() => checkReading(signed.reading, { kind }));
      return { outcome, attackSucceeded: outcome === "passed", detail: `registry kind ${kind}` };
    },
  },
  {
    id: "X28",
    attackClass: "extended",
    title: "reading with an energy beyond uint64, and one with a peak beyond any meter's power",
    paperColumn: "-",
    expected: GRIDSHARE("refused: ValueOutOfRangeError + ImplausibleReadingError"),
    async run(ctx) {
      const grid = await ctx.grid();
      const p = await openPeriod(grid);
      const meter = grid.meters[TARGET - 1][0];
      const r = readingFor(grid, meter, TARGET, 0, p);
      const huge = checkVerdict(() =>
        checkReading({ ...r, importWh: UINT64_MAX + 1n, loadWh: r.loadWh + UINT64_MAX + 1n - r.importWh }),
      );
      const peak = checkVerdict(() => checkReading({ ...r, peakLoadW: 2 ** 32 - 1 }));
      return refusedBoth(huge, peak);
    },
  },
];
