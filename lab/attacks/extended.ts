/**
 * Scenarios beyond the paper's five classes (issue 7, "Extended"): replay, signature malleability, Merkle proof
 * tricks, voting-window and double-vote abuse, role abuse, extreme values. Each mounts the attack and reports what
 * the contracts or checks did.
 */
import { Wallet } from "ethers";
import { buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import { attestationOf, ledgerDomain, signAttestation } from "../../lib/batches/attestation.js";
import { psa } from "../../lib/mes/mes.js";
import { BATCH_TOTAL_BITS } from "../../lib/constants.js";
import {
  checkReading,
  signReading,
  verifyReadingSignature,
  type SignedReading,
} from "../../lib/batches/reading.js";
import { deployClusterRegistry, openPeriod } from "../fixtures/grid.js";
import { readingFor } from "../fixtures/readings.js";
import { attestAndSubmit, packedItem } from "../fixtures/attestations.js";
import type { Grid } from "../fixtures/grid.js";
import { MeterKind } from "../../lib/chain/schema.js";
import { chainDomain, domainOf, highS, signTamperAlarm } from "./chain.js";
import {
  attempt,
  attestAlone,
  attestationInSlot,
  attestsTwice,
  checkObservation,
  checkVerdict,
  COUNTED_ONCE,
  forgedReading,
  onStage,
  txAttack,
  type TxVerdict,
} from "./mount.js";
import {
  forgedCertificate,
  replayAfterRevocation,
  tariffAfterWeekStart,
  toleranceOutOfRange,
} from "./dgmd.js";
import { collisionCost } from "./collision.js";
import { gatewayFlood } from "./gateway-flood.js";
import { innerNodeAsLeaf, otherLeafCount, PROOF_REFUSED } from "./proofs.js";
import { scenariosOfClass } from "./runner.js";
import { extremeBilling, settleTwice } from "./settlement.js";
import type { AttackContext, Observation, Scenario } from "./types.js";

const TARGET = 1;
/** Cluster 2: parent node 1 and one neighbour (node 0): 2 voters. */
const PAIR = 2;
const UINT64_MAX = 2n ** 64n - 1n;
/** Header totals the ledger takes are below 2^52 Wh (BatchLedger.TOTAL_BITS). */
const BATCH_TOTAL_LIMIT = 2n ** BigInt(BATCH_TOTAL_BITS);
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
    addMeter: (r) => r.addMeter(TARGET, fresh, MeterKind.Consumer),
    removeMeter: (r) => r.removeMeter(meter),
    replaceMeter: (r) => r.replaceMeter(meter, fresh, "WP-forged"),
    grantRole: (r) => r.grantRole(admin, fresh),
    revokeRole: (r) => r.revokeRole(admin, grid.utility.address),
    setLedger: (r) => r.setLedger(fresh),
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
/** A 4-leaf header of the PAIR cluster with the given totals. */
function pairHeader(period: number, totalLoadWh: bigint, totalGenerationWh: bigint): BatchHeader {
  return {
    clusterId: PAIR,
    period,
    root: "0x00000000000000e1",
    leafCount: 4,
    totalLoadWh,
    totalGenerationWh,
  };
}

async function extremeMes(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const [parent, neighbour] = grid.votersOf(PAIR);
  const top = BATCH_TOTAL_LIMIT - 1n;
  const cases: [bigint, bigint][] = [
    [1n, top],
    [top, top],
    [top - 1n, top],
    [0n, 0n],
    [0n, top],
  ];
  const seen: string[] = [];
  for (const [totalLoadWh, totalGenerationWh] of cases) {
    const p = await openPeriod(grid);
    const h = pairHeader(p, totalLoadWh, totalGenerationWh);
    const a = await attempt(() => attestAndSubmit(grid, h, [parent, neighbour]), grid.ledger.interface);
    if (!a.ok) return { outcome: `reverted: ${verdictName(a)}`, attackSucceeded: true };
    const onChain = (await grid.ledger.batchOf(PAIR, p)).psa;
    const twin = psa(totalLoadWh, totalGenerationWh);
    if (onChain !== twin || onChain > FIXED_ONE)
      return { outcome: `wrong PSA ${onChain} (TS ${twin})`, attackSucceeded: true };
    seen.push(`(${totalLoadWh},${totalGenerationWh})->${onChain}`);
  }
  // Beyond what valid readings can sum to: the ledger refuses the header (the TS encoder would too).
  const over = pairHeader(await openPeriod(grid), UINT64_MAX, UINT64_MAX);
  const signatures = await Promise.all(
    [parent, neighbour].map((v) => signAttestation(v!, grid.ledgerDomain, attestationOf(over))),
  );
  const packed = packedItem(
    over,
    signatures.map((a, slot) => ({ tag: slot, signature: a.signature })),
  );
  const refused = await attempt(() => grid.ledger.submit(packed), grid.ledger.interface);
  if (refused.ok) return { outcome: "accepted totals of 2^64-1", attackSucceeded: true };
  return {
    outcome: `no overflow: PSA <= 1 and equal to the TS twin; 2^64-1 ${verdictName(refused)}`,
    attackSucceeded: false,
    detail: seen.join(" "),
  };
}

export const EXTENDED_SCENARIOS: readonly Scenario[] = scenariosOfClass("extended", [
  {
    id: "X01",
    title: "replayed reading: last period's signed reading in this period's batch, or relabelled",
    expected: GRIDSHARE("refused: WrongBatchPeriodError + SignatureMismatchError"),
    run: onStage(TARGET, async ({ grid, batch: { p, readings } }) => {
      const domain = await chainDomain(grid);
      const asIs = checkVerdict(() => buildBatch(TARGET, p + 1, readings));
      const relabelled: SignedReading = {
        ...readings[0],
        reading: { ...readings[0].reading, period: p + 1 },
      };
      const relabel = checkVerdict(() => verifyReadingSignature(domain, relabelled));
      return refusedBoth(asIs, relabel);
    }),
  },
  {
    id: "X02",
    title: "replayed reading signed for another chain id",
    expected: GRIDSHARE("refused: SignatureMismatchError"),
    run: forgedReading(TARGET, async ({ grid, meter, reading }) => {
      const domain = await chainDomain(grid);
      const other = { ...domain, chainId: BigInt(domain.chainId ?? 0n) + 1n };
      return {
        signed: await signReading(meter, other, reading),
        detail: `signed for chain ${other.chainId}`,
      };
    }),
  },
  {
    id: "X03",
    title: "replayed reading signed for another (really deployed) registry contract",
    expected: GRIDSHARE("refused: SignatureMismatchError"),
    run: forgedReading(TARGET, async ({ ctx, grid, meter, reading }) => {
      const otherRegistry = await deployClusterRegistry(ctx.ethers, grid.utility, grid.dgmd, grid.epoch, 4);
      const otherDomain = await domainOf(otherRegistry);
      const signed = await signReading(meter, otherDomain, reading);
      return { signed, detail: `signed for ${otherDomain.verifyingContract}` };
    }),
  },
  {
    id: "X04",
    title: "high-s signature variant: of a tamper alarm (on-chain) and of a reading (node check)",
    expected: GRIDSHARE("refused: ECDSAInvalidSignatureS + NonCanonicalSignatureError"),
    run: onStage(TARGET, async ({ ctx, grid, batch: { readings } }) => {
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
    }),
  },
  {
    id: "X05",
    title: "duplicate meter-period: the meter signs two different readings for one period",
    expected: GRIDSHARE("refused: MerkleInputError"),
    run: onStage(TARGET, async ({ grid, batch: { p, readings } }) => {
      const meter = grid.meters[TARGET - 1][0];
      const first = readings.find((r) => r.reading.meter === meter.address) ?? readings[0];
      const second = await signReading(meter, await chainDomain(grid), {
        ...first.reading,
        importWh: first.reading.importWh + 100n,
        loadWh: first.reading.loadWh + 100n,
      });
      return checkObservation(() => buildBatch(TARGET, p, [...readings, second]));
    }),
  },
  {
    id: "X06",
    title: "inner node presented as a leaf (TS verifier, Merkle64.sol, BatchLedger.requireProvenReading)",
    expected: GRIDSHARE(`${PROOF_REFUSED} (TS, Merkle64) + InvalidMerkleProof (ledger)`),
    run: innerNodeAsLeaf,
  },
  {
    id: "X07",
    title: "valid leaf and path, proof shaped for another leaf count (TS, Merkle64.sol, ledger)",
    expected: GRIDSHARE(`${PROOF_REFUSED} (TS, Merkle64) + InvalidMerkleProof (ledger)`),
    run: otherLeafCount,
  },
  {
    id: "X08",
    title: "attestation submitted after the window closed",
    expected: GRIDSHARE("refused: VotingClosed"),
    run: txAttack(TARGET, async ({ grid, batch: { p, honest } }) => {
      await grid.warpToPeriod(p + 2);
      const [, neighbour] = grid.votersOf(TARGET);
      return { send: () => attestAlone(grid, honest, neighbour!) };
    }),
  },
  {
    id: "X09",
    title: "double vote: a neighbour attests again, for another digest",
    expected: GRIDSHARE(COUNTED_ONCE),
    run: attestsTwice(
      TARGET,
      1,
      (h) => ({ ...h, totalLoadWh: h.totalLoadWh + 1n }),
      (h) => h,
    ),
  },
  {
    id: "X10",
    title: "attestation of the current (not yet ended) period",
    expected: GRIDSHARE("refused: FuturePeriod"),
    run: txAttack(TARGET, async ({ grid, batch: { p, honest } }) => {
      const [parent] = grid.votersOf(TARGET);
      return { send: () => attestAlone(grid, { ...honest, period: p + 1 }, parent!) };
    }),
  },
  {
    id: "X11",
    title: "capacity certificate signed by a non-DGMD key (an outsider, a node)",
    expected: GRIDSHARE("refused: SignerNotDgmd"),
    run: forgedCertificate,
  },
  {
    id: "X12",
    title: "capacity certificate replayed after revocation",
    expected: GRIDSHARE("refused: CertIdUsed"),
    run: replayAfterRevocation,
  },
  {
    id: "X13",
    title: "tolerance set outside 10%..15% (999 and 1501 bps), and set by the utility",
    expected: GRIDSHARE("refused: ToleranceOutOfRange + ToleranceOutOfRange + NotDgmd"),
    run: toleranceOutOfRange,
  },
  {
    id: "X14",
    title: "tariff changed after its week started",
    expected: GRIDSHARE("refused: WeekAlreadyStarted"),
    run: tariffAfterWeekStart,
  },
  {
    id: "X15",
    title: "outsider, a parent node and the DGMD call every utility-only registry function",
    expected: GRIDSHARE("refused: AccessControlUnauthorizedAccount (33 of 33 calls)"),
    run: roleAbuse,
  },
  {
    id: "X16",
    title: "settlement of one meter-week twice",
    expected: GRIDSHARE("refused: AlreadySettled"),
    run: settleTwice,
  },
  {
    id: "X17",
    title: "extreme totals (0, 1, 2^52-1) in accepted batches: PSA on-chain; 2^64-1 refused",
    expected: GRIDSHARE("no overflow: PSA <= 1 and equal to the TS twin; 2^64-1 refused: TotalsOutOfRange"),
    run: extremeMes,
  },
  {
    id: "X18",
    title: "largest reading the chain accepts (250 kW peaks, 1 MWh) and uint64 capacity billed on-chain",
    expected: GRIDSHARE(
      "no overflow: default rates: quote = twin, settle recorded; uint64-max rates: quote = twin, settle recorded",
    ),
    run: extremeBilling,
  },
  {
    id: "X19",
    title: "gateway flooded with malformed posts (bounded, loopback)",
    expected: GRIDSHARE(
      "refused all 144 hostile posts (4xx), healthy, DB unchanged but quarantine, 4 of 4 valid readings taken",
    ),
    run: gatewayFlood,
  },
  {
    id: "X20",
    title:
      "64-bit collision: free inputs, and two meter-signed readings with one leaf (measured, extrapolated)",
    expected: GRIDSHARE(
      "free-input 64-bit birthday: > 1 h, < 10 years (one thread); " +
        "meter-key equivocation: collision at 16 bits, 64 bits < 10 years (one thread)",
    ),
    run: collisionCost,
  },
  {
    id: "X21",
    title: "forged tamper alarm to silence an honest meter (outsider key)",
    expected: GRIDSHARE("refused: InvalidTamperSignature"),
    run: txAttack(TARGET, async ({ ctx, grid }) => {
      const meter = grid.meters[TARGET - 1][0].address;
      const now = BigInt(await ctx.helpers.time.latest());
      const sig = await signTamperAlarm(grid, new Wallet("0x" + "7a".repeat(32)), meter, now);
      return {
        send: () => grid.registry.raiseTamperAlarm(meter, now, sig),
        evidence: async () => `meter status after: ${(await grid.registry.meterInfo(meter)).status}`,
      };
    }),
  },
  {
    id: "X22",
    title: "a parent reports tamper on another cluster's meter",
    expected: GRIDSHARE("refused: NotParentOfMeter"),
    run: txAttack(TARGET, async ({ grid }) => {
      const victim = grid.meters[PAIR - 1][0].address;
      const [parentOfTarget] = grid.votersOf(TARGET);
      return { send: () => grid.registry.connect(parentOfTarget).reportTamper(victim) };
    }),
  },
  {
    id: "X23",
    title: "finalize while a majority is still possible, to force Disputed",
    expected: GRIDSHARE("refused: VotingStillOpen"),
    run: txAttack(TARGET, async ({ grid, batch: { honest } }) => {
      await (await attestAlone(grid, honest, grid.votersOf(TARGET)[0]!)).wait();
      return { send: () => grid.ledger.connect(grid.outsider).finalize(TARGET, honest.period) };
    }),
  },
  {
    id: "X24",
    title: "parent attests twice, the second time another header, through another submitter",
    expected: GRIDSHARE(COUNTED_ONCE),
    run: attestsTwice(
      TARGET,
      0,
      (h) => h,
      (h) => ({ ...h, totalGenerationWh: 0n }),
      { outsider: true },
    ),
  },
  {
    id: "X25",
    title: "late attestation for another digest after the batch was accepted",
    expected: GRIDSHARE("recorded and charged: batch unchanged, 1 fault"),
    run: onStage(TARGET, async ({ grid, batch: { honest } }) => {
      const [parent, n1, n2, n3] = grid.votersOf(TARGET);
      await (await attestAndSubmit(grid, honest, [parent!, n1!, n2!])).wait();
      const before = await grid.ledger.batchOf(TARGET, honest.period);
      await (await attestAlone(grid, { ...honest, totalLoadWh: 1n }, n3!)).wait();
      const after = await grid.ledger.batchOf(TARGET, honest.period);
      const faults = await grid.ledger.faults(n3!.address);
      const unchanged = after.root === before.root && after.totalLoadWh === before.totalLoadWh;
      return {
        outcome: unchanged ? `recorded and charged: batch unchanged, ${faults} fault` : "batch changed",
        attackSucceeded: !unchanged,
      };
    }),
  },
  {
    id: "X26",
    title: "a neighbour assigned mid-window attests on the pending batch",
    expected: GRIDSHARE("refused: UnassignedSigner"),
    run: txAttack(PAIR, async ({ grid, batch: { honest } }) => {
      const [parent, neighbour] = grid.votersOf(PAIR);
      const other = { ...honest, totalLoadWh: honest.totalLoadWh + 7n };
      await (await attestAlone(grid, other, parent!)).wait();
      // The grid grew since the pair cluster was assigned: its SPEC 2 ranking now holds more nodes.
      const ranked = [...(await grid.registry.rankNeighbours(PAIR))];
      if (ranked[0] !== neighbour!.address) throw new Error("scenario bug: the neighbour left the ranking");
      const late = grid.nodes.find((n) => n.address === ranked[1])!;
      await (await grid.registry.connect(grid.utility).setNeighbours(PAIR, ranked)).wait();
      // The batch keeps its voter set (parent + node 0): the newcomer's attestation has no slot in it.
      const item = await attestationInSlot(grid, other, late, 1);
      return { send: () => grid.ledger.submit(item) };
    }),
  },
  {
    id: "X27",
    title: "a consumer meter signs a reading with generation (inflating the cluster's G)",
    expected: GRIDSHARE("refused: ConsumerGenerationError"),
    run: onStage(TARGET, async ({ grid, batch: { p } }) => {
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
      const kind = MeterKind.nameOf(info.kind);
      return checkObservation(() => checkReading(signed.reading, { kind }), `registry kind ${kind}`);
    }),
  },
  {
    id: "X28",
    title: "reading with an energy beyond uint64, and one with a peak beyond any meter's power",
    expected: GRIDSHARE("refused: ValueOutOfRangeError + ImplausibleReadingError"),
    run: onStage(TARGET, async ({ grid, batch: { p } }) => {
      const r = readingFor(grid, grid.meters[TARGET - 1][0], TARGET, 0, p);
      const huge = checkVerdict(() =>
        checkReading({ ...r, importWh: UINT64_MAX + 1n, loadWh: r.loadWh + UINT64_MAX + 1n - r.importWh }),
      );
      const peak = checkVerdict(() => checkReading({ ...r, peakLoadW: 2 ** 32 - 1 }));
      return refusedBoth(huge, peak);
    }),
  },
  {
    id: "X29",
    title: "a voter's attestation signed over another chain id, another verifying contract, another cluster",
    expected: GRIDSHARE("refused: UnassignedSigner (3 of 3)"),
    run: onStage(PAIR, async ({ grid, batch: { honest } }) => {
      const [parent, neighbour] = grid.votersOf(PAIR);
      const ledger = await grid.ledger.getAddress();
      const a = attestationOf(honest);
      const elsewhere = [
        await signAttestation(parent!, ledgerDomain(grid.chainId + 1n, ledger), a),
        await signAttestation(parent!, ledgerDomain(grid.chainId, await grid.registry.getAddress()), a),
        await signAttestation(parent!, grid.ledgerDomain, { ...a, clusterId: TARGET }),
      ];
      const errors = new Set<string>();
      for (const sig of elsewhere) {
        const item = packedItem(honest, [{ tag: 0, signature: sig.signature }], [neighbour!.address]);
        const v = await attempt(() => grid.ledger.submit(item), grid.ledger.interface);
        if (v.ok) return { outcome: "accepted", attackSucceeded: true };
        errors.add(v.error);
      }
      return { outcome: `refused: ${[...errors].join(" ")} (3 of 3)`, attackSucceeded: false };
    }),
  },
]);
