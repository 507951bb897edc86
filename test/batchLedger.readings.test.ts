/**
 * SPEC 4 on-chain (issue 16, finding 7): a reading proven against an accepted batch must pass every rule the
 * gateways apply, not only the energy balance. A consumer meter has no generation; peaks stay within a meter's
 * power; energies within peak x 4 h; export within generation. The refusal names the rule, as
 * lib/batches/reading.ts's readingViolation does.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  gridDomain,
  READING_RULES,
  readingViolation,
  signReading,
  type Reading,
  type SignedReading,
} from "../lib/batches/reading.js";
import { MAX_METER_POWER_W } from "../lib/constants.js";
import { acceptByVoters, rawBatch } from "../lab/fixtures/batches.js";
import { deployGrid, type Grid } from "../lab/fixtures/grid.js";
import { readingFor } from "../lab/fixtures/readings.js";

const { ethers, networkHelpers } = await network.create();
const CLUSTER = 2;

function defaultGrid(): Promise<Grid> {
  return deployGrid(ethers, networkHelpers);
}

/** The cluster's meters sign `edit`ed readings; the batch of them is accepted by its voters. */
async function acceptedWith(grid: Grid, p: number, edit: (r: Reading, consumer: boolean) => Reading) {
  const domain = gridDomain(grid.chainId, await grid.registry.getAddress());
  const signed: SignedReading[] = [];
  for (const [i, m] of grid.meters[CLUSTER - 1].entries()) {
    const r = readingFor(grid, m, CLUSTER, i, p);
    signed.push(await signReading(m, domain, edit(r, !grid.prosumers.has(m.address))));
  }
  const batch = rawBatch(CLUSTER, p, signed);
  await acceptByVoters(grid, batch.header);
  return batch.proofs;
}

describe("BatchLedger.requireProvenReading: SPEC 4's rules on-chain", () => {
  it("refuses a consumer's reading with generation, in an accepted batch, naming the rule", async () => {
    const grid = await networkHelpers.loadFixture(defaultGrid);
    const p = (await grid.currentPeriod()) + 2;
    await grid.warpToPeriod(p + 1);
    const proofs = await acceptedWith(grid, p, (r, consumer) =>
      consumer ? { ...r, generationWh: 1_500n, exportWh: 1_500n, peakGenerationW: 900 } : r,
    );
    let consumers = 0;
    for (const proof of proofs) {
      const consumer = !grid.prosumers.has(proof.reading.meter);
      if (!consumer) {
        await grid.ledger.requireProvenReading(proof);
        continue;
      }
      consumers++;
      expect(readingViolation(proof.reading, "consumer")).to.equal("ConsumerGeneration");
      await expect(grid.ledger.requireProvenReading(proof))
        .to.be.revertedWithCustomError(grid.ledger, "ImplausibleReading")
        .withArgs(proof.reading.meter, p, READING_RULES.indexOf("ConsumerGeneration"));
    }
    expect(consumers).to.be.greaterThan(0);
  });

  it("refuses readings out of SPEC 4's ranges, naming the same rule as the TypeScript twin", async () => {
    const grid = await networkHelpers.loadFixture(defaultGrid);
    const p = (await grid.currentPeriod()) + 2;
    await grid.warpToPeriod(p + 1);
    const max = MAX_METER_POWER_W;
    // One broken rule per meter; the balance still holds for each.
    const breaks: ((r: Reading) => Reading)[] = [
      (r) => ({ ...r, peakLoadW: max + 1 }),
      (r) => ({
        ...r,
        loadWh: r.loadWh + BigInt(r.peakLoadW) * 4n,
        importWh: r.importWh + BigInt(r.peakLoadW) * 4n,
      }),
      (r) => ({
        ...r,
        exportWh: r.exportWh + r.generationWh + 1n,
        importWh: r.importWh + r.generationWh + 1n,
      }),
      (r) => ({ ...r, peakGenerationW: max + 1 }),
    ];
    let i = 0;
    const proofs = await acceptedWith(grid, p, (r) => breaks[i++ % breaks.length](r));
    for (const proof of proofs) {
      const consumer = !grid.prosumers.has(proof.reading.meter);
      const rule = readingViolation(proof.reading, consumer ? "consumer" : "prosumer");
      expect(rule).to.not.equal(undefined);
      await expect(grid.ledger.requireProvenReading(proof))
        .to.be.revertedWithCustomError(grid.ledger, "ImplausibleReading")
        .withArgs(proof.reading.meter, p, READING_RULES.indexOf(rule!));
    }
  });
});
