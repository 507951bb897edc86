/**
 * The paper's five attack classes (section V, Table I), mounted against the real ClusterRegistry, BatchLedger and
 * the off-chain checks every node runs on a reading (lib/batches/reading.ts). Each `run` returns what it observed.
 */
import { concat, Wallet } from "ethers";
import { encodeSubmission } from "../../lib/batches/submission.js";
import { attestAll, itemOf } from "../fixtures/attestations.js";
import { batchDigest, buildBatch, type BatchHeader } from "../../lib/batches/batch.js";
import { buildTree, treeNode } from "../../lib/batches/merkle64.js";
import { signReading, verifyReadingSignature } from "../../lib/batches/reading.js";
import { readingFor } from "../fixtures/readings.js";
import { chainDomain, signTamperAlarm } from "./chain.js";
import { MeterKind } from "../../lib/chain/schema.js";
import { forgedCertificate } from "./dgmd.js";
import {
  ACCEPTED_HONEST,
  attempt,
  attestAlone,
  attestationInSlot,
  batchOutcome,
  checkObservation,
  checkVerdict,
  DISPUTED,
  forgedReading,
  NOT_APPLICABLE,
  onStage,
  settleWindow,
  txAttack,
  voteRound,
  type HonestBatch,
} from "./mount.js";
import { scenariosOfClass } from "./runner.js";
import type { AttackContext, Observation, Scenario } from "./types.js";

/** The cluster every class attacks: 4 voters (parent + 3 neighbours) with GridShare, the parent alone without. */
const TARGET = 1;
/** A registered node that is not assigned to the target cluster (parent of cluster 5). */
const STRANGER_NODE = 4;
/** How much an insider shaves off a reading. */
const ALTERATION_WH = 500n;
const SIGNATURE_MISMATCH = "refused: SignatureMismatchError";
const READING_NOT_ALLOWED = "refused: reading not allowed by the registry";

/** A key no one registered. */
function outsiderKey(): Wallet {
  return new Wallet("0x" + "5e".repeat(32));
}

/** A parent lie mounted with the honest nodes voting honestly; `lie` derives the lie from the honest batch. */
function parentLies(lie: (batch: HonestBatch) => BatchHeader): Scenario["run"] {
  return onStage(TARGET, async ({ grid, batch }) => {
    const altered = lie(batch);
    // A lie equal to the truth would make the scenario pass without an attack.
    if (batchDigest(altered) === batchDigest(batch.honest))
      throw new Error("scenario bug: the lie is the honest header");
    return voteRound(grid, batch.honest, new Map([[0, altered]]));
  });
}

/**
 * The assigned neighbours in `slots` vote one lie, the other voters the honest header; not applicable where
 * the cluster has no voter besides them (the parent-only grid).
 */
function neighboursLie(slots: readonly number[], lie: (honest: BatchHeader) => BatchHeader): Scenario["run"] {
  return onStage(TARGET, async ({ grid, batch: { honest } }) => {
    if (grid.votersOf(TARGET).length <= slots.length) return notApplicable();
    const told = lie(honest);
    return voteRound(grid, honest, new Map(slots.map((slot) => [slot, told])));
  });
}

const BOTH = (gridshare: string, parentOnly = gridshare) => ({ gridshare, parentOnly });

export const PAPER_SCENARIOS: readonly Scenario[] = [
  ...scenariosOfClass("forgery", [
    {
      id: "F1",
      title: "outsider key signs a reading in a registered meter's name",
      expected: BOTH(SIGNATURE_MISMATCH),
      run: forgedReading(TARGET, async ({ grid, meter, reading }) => ({
        signed: await signReading(outsiderKey(), await chainDomain(grid), reading),
        detail: `meter ${meter.address}`,
      })),
    },
    {
      id: "F2",
      title: "outsider key signs a reading as its own, unregistered meter",
      expected: BOTH(READING_NOT_ALLOWED),
      run: onStage(TARGET, async ({ grid, batch: { p } }) => {
        const key = outsiderKey();
        const signed = await signReading(key, await chainDomain(grid), {
          ...readingFor(grid, grid.meters[TARGET - 1][0], TARGET, 0, p),
          meter: key.address,
        });
        const domain = await chainDomain(grid);
        const sig = checkVerdict(() => verifyReadingSignature(domain, signed));
        const allowed = await grid.registry.isReadingAllowed(key.address, TARGET, p);
        return {
          outcome: allowed ? "admitted" : READING_NOT_ALLOWED,
          attackSucceeded: allowed,
          detail: `signature check ${sig}; isReadingAllowed ${allowed}`,
        };
      }),
    },
    {
      id: "F3",
      title: "outsider key attests a batch header for the cluster (in the parent's slot)",
      expected: BOTH("refused: UnassignedSigner"),
      run: txAttack(TARGET, async ({ grid, batch: { honest } }) => {
        const lie = { ...honest, totalGenerationWh: honest.totalGenerationWh * 3n };
        const item = await attestationInSlot(grid, lie, grid.outsider, 0);
        return { send: () => grid.ledger.submit(item) };
      }),
    },
    {
      id: "F4",
      title: "outsider key attests, alone and inside a submission of several cluster-periods",
      expected: BOTH("refused: UnassignedSigner + UnassignedSigner"),
      run: onStage(TARGET, async ({ grid, batch: { honest } }) => {
        const lie = { ...honest, totalLoadWh: 1n };
        const alone = await attestationInSlot(grid, lie, grid.outsider, 0);
        // A valid item of another cluster first: one refused item reverts the whole submission.
        const other = { ...honest, clusterId: TARGET + 1 };
        const valid = await itemOf(
          grid,
          other,
          await attestAll(grid, other, [grid.votersOf(TARGET + 1)[0]!]),
        );
        const many = concat([
          encodeSubmission([valid]),
          await attestationInSlot(grid, { ...lie, clusterId: TARGET + 2 }, grid.outsider, 0),
        ]);
        const a = await attempt(() => grid.ledger.submit(alone), grid.ledger.interface);
        const b = await attempt(() => grid.ledger.submit(many), grid.ledger.interface);
        if (a.ok || b.ok) return { outcome: "accepted", attackSucceeded: true };
        return { outcome: `refused: ${a.error} + ${b.error}`, attackSucceeded: false };
      }),
    },
    {
      id: "F5",
      title: "capacity certificate signed by an outsider key (and by a node key)",
      expected: BOTH("refused: SignerNotDgmd"),
      run: forgedCertificate,
    },
    {
      id: "F6",
      title: "insider alters a reading after the meter signed it (500 Wh of load and import removed)",
      expected: BOTH(SIGNATURE_MISMATCH),
      run: onStage(TARGET, async ({ grid, batch: { readings } }) => {
        // A consumer meter: it always imports what it loads.
        const original = readings.find((r) => !grid.prosumers.has(r.reading.meter)) ?? readings[0];
        // The meter's own import is lowered (a cheaper bill); balance kept so only the signature can tell.
        const cut = original.reading.importWh < ALTERATION_WH ? original.reading.importWh : ALTERATION_WH;
        if (cut === 0n) throw new Error("scenario bug: the chosen reading has no import to remove");
        const altered = {
          signature: original.signature,
          reading: {
            ...original.reading,
            importWh: original.reading.importWh - cut,
            loadWh: original.reading.loadWh - cut,
          },
        };
        const domain = await chainDomain(grid);
        return checkObservation(() => verifyReadingSignature(domain, altered));
      }),
    },
  ]),
  ...scenariosOfClass("tampering", [
    {
      id: "T1",
      title: "tampered meter (seal broken, alarm raised) keeps sending signed readings",
      expected: BOTH(READING_NOT_ALLOWED),
      run: onStage(TARGET, async ({ ctx, grid, batch: { p } }) => {
        const meter = grid.meters[TARGET - 1][1];
        const now = BigInt(await ctx.helpers.time.latest());
        const sig = await signTamperAlarm(grid, meter, meter.address, now);
        await (await grid.registry.raiseTamperAlarm(meter.address, now, sig)).wait();
        // The meter goes on signing readings for the current period and the next one.
        const current = p + 1;
        const later = [current, current + 1];
        const allowed = [];
        for (const q of later) {
          const domain = await chainDomain(grid);
          const signed = await signReading(meter, domain, readingFor(grid, meter, TARGET, 1, q));
          const sigOk = checkVerdict(() => verifyReadingSignature(domain, signed));
          allowed.push(`${q}:${sigOk}/${await grid.registry.isReadingAllowed(meter.address, TARGET, q)}`);
        }
        const anyAllowed = allowed.some((a) => a.endsWith("true"));
        const status = (await grid.registry.meterInfo(meter.address)).status;
        return {
          outcome: anyAllowed ? "admitted" : READING_NOT_ALLOWED,
          attackSucceeded: anyAllowed,
          detail: `meter status ${status}; period:signature/allowed ${allowed.join(" ")}`,
        };
      }),
    },
    {
      id: "T2",
      title: "replaced meter's old key is reused: its readings, and re-registering it",
      expected: BOTH(`${READING_NOT_ALLOWED} + refused: MeterAlreadyKnown`),
      run: onStage(TARGET, async ({ grid, batch: { p } }) => {
        const old = grid.meters[TARGET - 1][2];
        const replacement = Wallet.createRandom();
        // Only a tampered (or retired) meter is replaced: its parent raises the alarm first.
        const [parent] = grid.votersOf(TARGET);
        await (await grid.registry.connect(parent).reportTamper(old.address)).wait();
        await (await grid.registry.replaceMeter(old.address, replacement.address, "WP-2026-0007")).wait();
        const allowed = await grid.registry.isReadingAllowed(old.address, TARGET, p + 1);
        const readd = await attempt(
          () => grid.registry.connect(grid.utility).addMeter(TARGET, old.address, MeterKind.Consumer),
          grid.registry.interface,
        );
        const succeeded = allowed || readd.ok;
        return {
          outcome: succeeded
            ? "admitted"
            : `${READING_NOT_ALLOWED} + refused: ${readd.ok ? "" : readd.error}`,
          attackSucceeded: succeeded,
          detail: `isReadingAllowed(old, ${p + 1}) ${allowed}`,
        };
      }),
    },
  ]),
  ...scenariosOfClass("parent", [
    {
      id: "P1",
      title: "parent proposes altered totals (generation doubled, real root)",
      expected: BOTH(ACCEPTED_HONEST, DISPUTED),
      run: parentLies(({ honest }) => ({ ...honest, totalGenerationWh: honest.totalGenerationWh * 2n })),
    },
    {
      id: "P2",
      title: "parent proposes an altered root (real totals)",
      expected: BOTH(ACCEPTED_HONEST, DISPUTED),
      run: parentLies(({ honest }) => ({ ...honest, root: "0x0123456789abcdef" })),
    },
    {
      id: "P3",
      title: "parent drops one meter's reading from the batch",
      expected: BOTH(ACCEPTED_HONEST, DISPUTED),
      run: parentLies(({ p, readings }) => buildBatch(TARGET, p, readings.slice(1)).header),
    },
    {
      id: "P4",
      title: "parent reorders the leaves (same readings, same totals)",
      expected: BOTH(ACCEPTED_HONEST, DISPUTED),
      run: parentLies(({ p, readings, honest }) => {
        const tree = buildBatch(TARGET, p, readings).tree;
        const leaves = Array.from({ length: tree.leafCount }, (_, i) => treeNode(tree, 0, i)).reverse();
        const reordered = buildTree(leaves);
        return { ...honest, root: reordered.root };
      }),
    },
    {
      id: "P5",
      title: "parent alters one meter's reading (keeps its signature) and builds the batch from it",
      expected: BOTH(ACCEPTED_HONEST, DISPUTED),
      run: parentLies(({ p, readings }) => {
        const [first, ...rest] = readings;
        const cooked = {
          ...first,
          reading: { ...first.reading, generationWh: first.reading.generationWh + 1_000n },
        };
        return buildBatch(TARGET, p, [cooked, ...rest]).header;
      }),
    },
    {
      id: "P6",
      title: "parent withholds its neighbours' attestations and submits only its own lie",
      expected: BOTH(ACCEPTED_HONEST, NOT_APPLICABLE),
      run: onStage(TARGET, async ({ grid, batch: { honest } }) => {
        const voters = grid.votersOf(TARGET);
        if (voters.length < 2) return notApplicable();
        const lie = { ...honest, totalGenerationWh: honest.totalGenerationWh * 2n };
        const [parent, ...neighbours] = voters;
        // The neighbours hand their honest attestations to the parent, which keeps them to itself.
        const withheld = await attestAll(grid, honest, neighbours);
        await (await attestAlone(grid, lie, parent!)).wait();
        // SPEC 6's fallback: each neighbour submits its own attestation itself.
        for (const n of neighbours) await (await attestAlone(grid, honest, n)).wait();
        await settleWindow(grid, TARGET, honest.period);
        const obs = await batchOutcome(grid, honest);
        return { ...obs, detail: `${obs.detail}; ${withheld.length} attestations withheld by the parent` };
      }),
    },
  ]),
  ...scenariosOfClass("majority", [
    {
      id: "M1",
      title: "Clique, 1 of 3 signers colludes: alone it cannot extend the chain",
      expected: BOTH("prevented: a lone signer cannot extend the chain"),
      needsDevnet: true,
      run: async (ctx) => (await devnetExperiment(ctx)).minority,
    },
    {
      id: "M2",
      title: "Clique, 2 of 3 signers collude: they keep sealing without the honest signer",
      expected: BOTH("succeeded: majority seals without the honest signer"),
      needsDevnet: true,
      run: async (ctx) => (await devnetExperiment(ctx)).majority,
    },
  ]),
  ...scenariosOfClass("neighbour", [
    {
      id: "N1",
      title: "a registered node not assigned to the cluster attests (in a neighbour's slot)",
      expected: BOTH("refused: UnassignedSigner"),
      run: txAttack(TARGET, async ({ grid, batch: { honest } }) => {
        const lie = { ...honest, totalLoadWh: honest.totalLoadWh * 2n };
        const slot = grid.votersOf(TARGET).length > 1 ? 1 : 0;
        const item = await attestationInSlot(grid, lie, grid.nodes[STRANGER_NODE]!, slot);
        return { send: () => grid.ledger.submit(item) };
      }),
    },
    {
      id: "N2",
      title: "one assigned neighbour lies (generation zeroed)",
      expected: BOTH(ACCEPTED_HONEST, NOT_APPLICABLE),
      run: neighboursLie([2], (honest) => ({ ...honest, totalGenerationWh: 0n })),
    },
    {
      id: "N3",
      title: "two of three assigned neighbours lie together (same altered root)",
      expected: BOTH(DISPUTED, NOT_APPLICABLE),
      run: neighboursLie([1, 2], (honest) => ({ ...honest, root: "0xdeadbeefdeadbeef" })),
    },
  ]),
];

function devnetExperiment(ctx: AttackContext) {
  if (ctx.majority === undefined) throw new Error("scenario needs the Clique devnet");
  return ctx.majority();
}

function notApplicable(): Observation {
  return {
    outcome: NOT_APPLICABLE,
    attackSucceeded: false,
    detail: "the cluster has no neighbour to corrupt",
  };
}

/** Placeholder `run` of a pending scenario; the runner never calls it. */
export async function notMounted(): Promise<Observation> {
  throw new Error("pending scenario: not mounted");
}
