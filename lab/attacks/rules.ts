/**
 * Scenarios of issue 16's rules (SPEC 2, 5, 7, 8), mounted against the real contracts: a spare certificate
 * submitted after a revocation, a stale fraud proof, a tolerance change turned into a backdated deauthorization, a
 * late tamper relay, a node taking a fourth neighbour role, hand-picked voters, conflicting readings and a batch
 * with two leaves of one meter. Each scenario reports what the chain did.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { signReading, type Reading, type SignedReading } from "../../lib/batches/reading.js";
import { duplicateLeafEvidence } from "../../lib/batches/evidence.js";
import { signCertificate, type Certificate } from "../../lib/certificates/certificates.js";
import { PERIOD_SECONDS, RETENTION_PERIODS } from "../../lib/constants.js";
import { periodStart } from "../../lib/time.js";
import { acceptByVoters, rawBatch } from "../fixtures/batches.js";
import type { Grid } from "../fixtures/grid.js";
import { readingFor, signedReadings } from "../fixtures/readings.js";
import { chainDomain, domainOf, signTamperAlarm } from "./chain.js";
import { openPeriod } from "../fixtures/grid.js";
import { attempt, attemptCall, txObservation, type TxVerdict } from "./mount.js";
import type { AttackContext, Observation, Scenario } from "./types.js";

/** Cluster 2: a parent and one neighbour, so two real votes accept its batches. */
const PAIR = 2;
/** Cluster 4: the default topology leaves it without neighbours (its ranking is still open). */
const LONELY = 4;
/** Cluster 1: parent and 3 neighbours, its SPEC 2 ranking. */
const TARGET = 1;
const YEAR_SECONDS = 365n * 86_400n;
const CAPACITY_W = 5_000n;

const GRIDSHARE = (expected: string) => ({ gridshare: expected });
const verdictName = (v: TxVerdict) => (v.ok ? "accepted" : v.error);

async function deployCertificates(ctx: AttackContext, grid: Grid) {
  return ctx.ethers.deployContract("CapacityCertificates", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
  ]);
}

type Certs = Awaited<ReturnType<typeof deployCertificates>>;

/** ReadingEvidence, appointed by the utility (EVIDENCE_ROLE), as a deployment does. */
async function deployEvidence(ctx: AttackContext, grid: Grid) {
  const evidence = await ctx.ethers.deployContract("ReadingEvidence", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
  ]);
  const role = await grid.registry.EVIDENCE_ROLE();
  await (await grid.registry.connect(grid.utility).grantRole(role, await evidence.getAddress())).wait();
  return evidence;
}

/** The pair cluster's first prosumer meter whose home generates in the fixture's sunny period, with its index. */
function pairProsumer(grid: Grid) {
  const meters = grid.meters[PAIR - 1];
  const index = meters.findIndex(
    (m, i) => grid.prosumers.has(m.address) && readingFor(grid, m, PAIR, i, 0).peakGenerationW > 0,
  );
  if (index < 0) throw new Error("scenario bug: no generating prosumer in the pair cluster");
  return { wallet: meters[index], index };
}

/** A DGMD certificate of `meter` issued `issuedAgo` seconds before the latest block. */
async function certificate(
  ctx: AttackContext,
  meter: string,
  capacityW: bigint,
  tag: string,
  issuedAgo = 0n,
) {
  const now = BigInt(await ctx.helpers.time.latest());
  const cert: Certificate = {
    meter,
    installedCapacityW: capacityW,
    infoCommitment: keccak256(toUtf8Bytes(`ciphertext-${tag}`)),
    validFrom: now - issuedAgo,
    validUntil: now + YEAR_SECONDS,
    certId: keccak256(toUtf8Bytes(`rules-cert-${tag}`)),
  };
  return cert;
}

async function submit(grid: Grid, certs: Certs, cert: Certificate): Promise<TxVerdict> {
  const sig = await signCertificate(grid.dgmd, await domainOf(certs), cert);
  return attempt(() => certs.connect(grid.outsider).submitCertificate(cert, sig), certs.interface);
}

/** Submit a certificate the scenario needs in place (a refusal is a scenario bug, not an outcome). */
async function certify(grid: Grid, certs: Certs, cert: Certificate): Promise<void> {
  const v = await submit(grid, certs, cert);
  if (!v.ok) throw new Error(`scenario bug: certificate ${cert.certId} refused: ${v.error} (${v.args})`);
}

/**
 * Period `p`'s batch of the pair cluster, accepted by its parent and neighbour: every meter's real reading, the
 * prosumer's edited by `edit`. Returns the prosumer's proof against it.
 */
async function acceptedPairBatch(grid: Grid, p: number, edit: (r: Reading) => Reading = (r) => r) {
  const { wallet, index } = pairProsumer(grid);
  const domain = await chainDomain(grid);
  const honest = await signedReadings(grid, PAIR, p);
  const mine = await signReading(wallet, domain, edit(readingFor(grid, wallet, PAIR, index, p)));
  const readings = honest.map((s) => (s.reading.meter === wallet.address ? mine : s));
  return acceptTree(grid, p, readings, wallet.address);
}

/** Accept `readings` (tree order) as the pair cluster's batch of `p`; the proof of `meter`'s first leaf. */
async function acceptTree(grid: Grid, p: number, readings: readonly SignedReading[], meter: string) {
  const batch = rawBatch(PAIR, p, readings);
  await acceptByVoters(grid, batch.header);
  return { ...batch, proof: batch.proofs.find((x) => x.reading.meter === meter)! };
}

/** The prosumer's certified 5 kW, then a spare 9 kW certificate signed but kept back by its holder. */
async function certifiedWithSpare(ctx: AttackContext, grid: Grid, certs: Certs) {
  const meter = pairProsumer(grid).wallet.address;
  const first = await certificate(ctx, meter, CAPACITY_W, "first", 120n);
  const spare = await certificate(ctx, meter, 9_000n, "spare", 60n);
  await certify(grid, certs, first);
  return { meter, spare };
}

/** R01: the DGMD revokes a meter; its holder submits a spare certificate signed before, to undo it. */
async function spareCertificate(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const p = await openPeriod(grid);
  const certs = await deployCertificates(ctx, grid);
  const { meter, spare } = await certifiedWithSpare(ctx, grid, certs);
  await (await certs.connect(grid.dgmd).revokeMeter(meter)).wait();
  const afterRevocation = await submit(grid, certs, spare);
  // A spare the DGMD cancelled by its id is refused before any revocation too.
  const other = await certificate(ctx, grid.meters[PAIR - 1][1].address, 9_000n, "cancelled", 30n);
  await (await certs.connect(grid.dgmd).revokeCertificate(other.certId)).wait();
  const cancelled = await submit(grid, certs, other);
  const capacity = await certs.authorizedCapacityAt(meter, p + 2);
  const refused = !afterRevocation.ok && !cancelled.ok && capacity === 0n;
  return {
    outcome: `${refused ? "refused" : "accepted"}: ${verdictName(afterRevocation)} + ${verdictName(cancelled)}`,
    attackSucceeded: !refused,
    detail: `authorized capacity after: ${capacity} W`,
  };
}

/**
 * R02: a prosumer over capacity in one period is deauthorized and re-certified after its upgrade; an old
 * violating reading is proven afterwards to wipe the new certificate, and one older than 13 weeks to reach back.
 */
async function staleFraudProof(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const certs = await deployCertificates(ctx, grid);
  const meter = pairProsumer(grid).wallet.address;
  const old = await certificate(ctx, meter, CAPACITY_W, "stale-old", 60n);
  await certify(grid, certs, old);
  // 7 kW or more on a 5 kW certificate (a real peak above 7 kW stays: the reading keeps SPEC 4's ranges).
  const over = (r: Reading): Reading => ({ ...r, peakGenerationW: Math.max(r.peakGenerationW, 7_000) });
  const first = await openPeriod(grid);
  const ancient = await acceptedPairBatch(grid, first, over);
  const q = first + 2;
  await grid.warpToPeriod(q + 1);
  const older = await acceptedPairBatch(grid, q, over);
  await grid.warpToPeriod(q + 2);
  const recent = await acceptedPairBatch(grid, q + 1, over);
  await (await certs.proveOverCapacity(recent.proof)).wait(); // the honest proof
  await ctx.helpers.time.increase(60);
  const renewed = await certificate(ctx, meter, 8_000n, "stale-new");
  await certify(grid, certs, renewed);
  const reached = await attempt(
    () => certs.connect(grid.outsider).proveOverCapacity(older.proof),
    certs.interface,
  );
  const kept = await certs.authorizedCapacityAt(meter, q + 10);
  await grid.warpToPeriod(first + RETENTION_PERIODS + 1);
  const tooOld = await attempt(
    () => certs.connect(grid.outsider).proveOverCapacity(ancient.proof),
    certs.interface,
  );
  const held = kept === 8_000n && !tooOld.ok;
  return {
    outcome: `${held ? "re-certified capacity kept" : "re-certification wiped"}: ${kept} W; ${verdictName(tooOld)}`,
    attackSucceeded: !held,
    detail: `older reading's proof ${verdictName(reached)} (cuts only the certificate in force then)`,
  };
}

/** R03: a reading compliant under 15% is proven after the DGMD lowered the tolerance to 10%. */
async function toleranceChange(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const certs = await deployCertificates(ctx, grid);
  const { wallet, index } = pairProsumer(grid);
  const p = (await grid.currentPeriod()) + 2;
  // The home's real peak is 12.5% over its certificate: within 15%, beyond 10%.
  const peak = BigInt(readingFor(grid, wallet, PAIR, index, p).peakGenerationW);
  const capacity = (peak * 8n) / 9n;
  await certify(grid, certs, await certificate(ctx, wallet.address, capacity, "tolerance", 60n));
  await (await certs.connect(grid.dgmd).setTolerance(1_500)).wait();
  await grid.warpToPeriod(p + 1);
  const { proof } = await acceptedPairBatch(grid, p);
  await (await certs.connect(grid.dgmd).setTolerance(1_000)).wait();
  await grid.warpToPeriod(p + 3);
  const v = await attempt(() => certs.connect(grid.outsider).proveOverCapacity(proof), certs.interface);
  return txObservation(v, `capacity after: ${await certs.authorizedCapacityAt(wallet.address, p + 3)} W`);
}

/**
 * R04: a meter's seal breaks during a period; its reading of that period is accepted in the batch, and the
 * meter's signed alarm is relayed only in the next period. Then a back-dated alarm of another meter tries to
 * void its readings of earlier periods.
 */
async function lateTamperRelay(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const p = await openPeriod(grid);
  const { wallet } = pairProsumer(grid);
  const detectedAt = periodStart(p, grid.epoch) + BigInt(PERIOD_SECONDS) / 2n;
  const { proof } = await acceptedPairBatch(grid, p);
  const sig = await signTamperAlarm(grid, wallet, wallet.address, detectedAt);
  await (await grid.registry.connect(grid.outsider).raiseTamperAlarm(wallet.address, detectedAt, sig)).wait();
  const late = await attemptCall(() => grid.ledger.requireProvenReading(proof), grid.ledger.interface);

  const victim = grid.meters[PAIR - 1].find((m) => m.address !== wallet.address)!;
  const backdated = await signTamperAlarm(grid, victim, victim.address, periodStart(p - 5, grid.epoch));
  await (
    await grid.registry.raiseTamperAlarm(victim.address, periodStart(p - 5, grid.epoch), backdated)
  ).wait();
  const cut = Number((await grid.registry.meterInfo(victim.address)).untilPeriod);
  const current = await grid.currentPeriod();
  const held = !late.ok && cut === current - 1;
  return {
    outcome: `${held ? "refused" : "accepted"}: ${verdictName(late)}; back-dated alarm cuts from ${
      cut === current - 1 ? "the previous period" : `period ${cut}`
    }`,
    attackSucceeded: !held,
    detail: `seal broken in period ${p}, alarm relayed in period ${current}`,
  };
}

/** R05: the utility makes a node that already neighbours 3 clusters the neighbour of a fourth. */
async function fourthNeighbourRole(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const hub = grid.nodes[0]; // neighbour of clusters 2, 3 and 5 in the default topology
  const roles = (await grid.registry.nodeInfo(hub.address)).neighbourOfCount;
  const ranked = [...(await grid.registry.rankNeighbours(LONELY))];
  const v = await attempt(
    () => grid.registry.connect(grid.utility).setNeighbours(LONELY, [hub.address, ...ranked.slice(0, 2)]),
    grid.registry.interface,
  );
  return txObservation(
    v,
    `node 0 held ${roles} roles; cluster ${LONELY}'s ranking skips it: ${ranked.join(" ")}`,
  );
}

/** R06: the utility hand-picks a cluster's voters: a far node, a subset, the ranking reordered. */
async function handPickedVoters(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const ranked = [...(await grid.registry.rankNeighbours(TARGET))];
  const own = grid.nodes[TARGET - 1].address;
  const far = grid.nodes.map((n) => n.address).find((a) => a !== own && !ranked.includes(a))!;
  const picks = [[far], [ranked[0]], [...ranked].reverse()];
  const errors = new Set<string>();
  let accepted = 0;
  for (const pick of picks) {
    const v = await attempt(
      () => grid.registry.connect(grid.utility).setNeighbours(TARGET, pick),
      grid.registry.interface,
    );
    if (v.ok) accepted++;
    else errors.add(v.error);
  }
  const ok = await attempt(
    () => grid.registry.connect(grid.utility).setNeighbours(TARGET, ranked),
    grid.registry.interface,
  );
  if (accepted > 0 || !ok.ok) {
    return {
      outcome: `accepted ${accepted} of ${picks.length} hand-picked sets`,
      attackSucceeded: accepted > 0,
    };
  }
  return {
    outcome: `refused: ${[...errors].join(" ")} (${picks.length} of ${picks.length} sets); the ranking is accepted`,
    attackSucceeded: false,
  };
}

/** A pair-cluster prosumer's key signs two readings of the open period: its real one, and one `extraWh` more. */
async function equivocation(ctx: AttackContext, extraWh: bigint) {
  const grid = await ctx.grid();
  const p = await openPeriod(grid);
  const evidence = await deployEvidence(ctx, grid);
  const { wallet, index } = pairProsumer(grid);
  const domain = await chainDomain(grid);
  const r = readingFor(grid, wallet, PAIR, index, p);
  const a = await signReading(wallet, domain, r);
  const b = await signReading(wallet, domain, {
    ...r,
    importWh: r.importWh + extraWh,
    loadWh: r.loadWh + extraWh,
  });
  return { grid, p, evidence, meter: wallet.address, a, b };
}

/** Anyone submits evidence; the outcome is what the registry then says of the meter. */
async function evidenceOutcome(
  e: Awaited<ReturnType<typeof equivocation>>,
  send: Parameters<typeof attempt>[0],
): Promise<Observation> {
  const v = await attempt(send, e.evidence.interface, e.grid.registry.interface);
  if (!v.ok) return { outcome: `evidence refused: ${v.error}`, attackSucceeded: true };
  const info = await e.grid.registry.meterInfo(e.meter);
  const marked = info.status === 2n && Number(info.untilPeriod) === e.p;
  return {
    outcome: marked ? "meter marked Tampered from the evidence's period" : "meter not marked",
    attackSucceeded: !marked,
    detail: `status ${info.status}, readings count until period ${info.untilPeriod}`,
  };
}

/** R07: a compromised meter key signs two different readings of one period (one to the parent, one to a neighbour). */
async function conflictingReadings(ctx: AttackContext): Promise<Observation> {
  const e = await equivocation(ctx, 400n);
  const { a, b } = e;
  return evidenceOutcome(e, () =>
    e.evidence
      .connect(e.grid.outsider)
      .proveConflictingReadings(a.reading, a.signature, b.reading, b.signature),
  );
}

/** R08: parent and neighbour accept a batch holding two different readings of one meter (its load twice). */
async function duplicateLeaves(ctx: AttackContext): Promise<Observation> {
  const e = await equivocation(ctx, 1n);
  const honest = await signedReadings(e.grid, PAIR, e.p);
  const readings = [...honest, e.b].sort((x, y) =>
    BigInt(x.reading.meter) < BigInt(y.reading.meter) ? -1 : 1,
  );
  const { tree } = await acceptTree(e.grid, e.p, readings, e.meter);
  const found = duplicateLeafEvidence(readings, tree);
  if (!found) throw new Error("scenario bug: the batch holds no two leaves of one meter");
  const [x, y] = found;
  return evidenceOutcome(e, () => e.evidence.connect(e.grid.outsider).proveDuplicateLeaves(x, y));
}

export const RULE_SCENARIOS: readonly Scenario[] = [
  {
    id: "R01",
    attackClass: "extended",
    title: "spare certificate signed before a revocation submitted to undo it; a cancelled one submitted",
    paperColumn: "-",
    expected: GRIDSHARE("refused: CertificateVoided + CertIdCancelled"),
    run: spareCertificate,
  },
  {
    id: "R02",
    attackClass: "extended",
    title: "stale fraud proofs: an old reading proven after re-certification, one older than 13 weeks",
    paperColumn: "-",
    expected: GRIDSHARE("re-certified capacity kept: 8000 W; ReadingTooOld"),
    run: staleFraudProof,
  },
  {
    id: "R03",
    attackClass: "extended",
    title: "tolerance lowered from 15% to 10%, then a reading compliant under 15% proven over capacity",
    paperColumn: "-",
    expected: GRIDSHARE("refused: NotOverCapacity"),
    run: toleranceChange,
  },
  {
    id: "R04",
    attackClass: "extended",
    title: "tamper alarm relayed a period late (reading after the break), and a back-dated alarm",
    paperColumn: "-",
    expected: GRIDSHARE("refused: ReadingNotAllowed; back-dated alarm cuts from the previous period"),
    run: lateTamperRelay,
  },
  {
    id: "R05",
    attackClass: "extended",
    title: "a node already neighbouring 3 clusters assigned as a fourth cluster's neighbour",
    paperColumn: "-",
    expected: GRIDSHARE("refused: NeighbourRoleLimit"),
    run: fourthNeighbourRole,
  },
  {
    id: "R06",
    attackClass: "extended",
    title: "the utility hand-picks a cluster's voters (a far node, a subset, the ranking reordered)",
    paperColumn: "-",
    expected: GRIDSHARE("refused: NotRankedNeighbours (3 of 3 sets); the ranking is accepted"),
    run: handPickedVoters,
  },
  {
    id: "R07",
    attackClass: "extended",
    title: "a compromised meter key signs two different readings of one period",
    paperColumn: "-",
    expected: GRIDSHARE("meter marked Tampered from the evidence's period"),
    run: conflictingReadings,
  },
  {
    id: "R08",
    attackClass: "extended",
    title: "an accepted batch holds two leaves of one meter (two different signed readings)",
    paperColumn: "-",
    expected: GRIDSHARE("meter marked Tampered from the evidence's period"),
    run: duplicateLeaves,
  },
];
