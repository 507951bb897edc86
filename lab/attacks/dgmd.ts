/**
 * Attacks on the DGMD contracts (SPEC 8, 9): forged and replayed capacity certificates, tolerance outside
 * 10%..15%, a tariff changed after its week started. Deployed beside the grid's registry and ledger.
 */
import { keccak256, toUtf8Bytes, Wallet, type Signer } from "ethers";
import { signCertificate, type Certificate } from "../../lib/certificates/certificates.js";
import { DEFAULT_TARIFF_PARAMS } from "../../lib/tariffs/tariff.js";
import { PERIOD_SECONDS, PERIODS_PER_WEEK } from "../../lib/constants.js";
import { openPeriod, type Grid } from "../fixtures/grid.js";
import { domainOf } from "./chain.js";
import { attempt, txObservation, type TxVerdict } from "./mount.js";
import type { AttackContext, Observation } from "./types.js";

/** One year of validity (seconds). */
const YEAR_SECONDS = 365n * 86_400n;
const CAPACITY_W = 5_000n;

async function deployCertificates(ctx: AttackContext, grid: Grid) {
  return ctx.ethers.deployContract("CapacityCertificates", [
    await grid.registry.getAddress(),
    await grid.ledger.getAddress(),
  ]);
}

type Certs = Awaited<ReturnType<typeof deployCertificates>>;

async function certificateFor(ctx: AttackContext, grid: Grid, tag: string): Promise<Certificate> {
  const now = BigInt(await ctx.helpers.time.latest());
  const meter = [...grid.prosumers][0];
  return {
    meter,
    installedCapacityW: CAPACITY_W,
    infoCommitment: keccak256(toUtf8Bytes(`ciphertext-${tag}`)),
    validFrom: now,
    validUntil: now + YEAR_SECONDS,
    certId: keccak256(toUtf8Bytes(`cert-${tag}`)),
  };
}

async function submit(certs: Certs, signer: Signer, cert: Certificate): Promise<TxVerdict> {
  const sig = await signCertificate(signer, await domainOf(certs), cert);
  return attempt(() => certs.submitCertificate(cert, sig), certs.interface);
}

/** An outsider key, and a node's key, sign a certificate; anyone submits it. */
export async function forgedCertificate(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  await openPeriod(grid);
  const certs = await deployCertificates(ctx, grid);
  const byOutsider = await submit(
    certs,
    new Wallet("0x" + "c4".repeat(32)),
    await certificateFor(ctx, grid, "o"),
  );
  const byNode = await submit(certs, grid.nodes[0], await certificateFor(ctx, grid, "n"));
  if (byOutsider.ok || byNode.ok) return { outcome: "accepted", attackSucceeded: true };
  const same = byOutsider.error === byNode.error;
  return {
    outcome: `refused: ${byOutsider.error}${same ? "" : ` / ${byNode.error}`}`,
    attackSucceeded: false,
    detail: `(${byOutsider.args}) (${byNode.args})`,
  };
}

/** The DGMD's genuine certificate, revoked, then submitted again. */
export async function replayAfterRevocation(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  await openPeriod(grid);
  const certs = await deployCertificates(ctx, grid);
  const cert = await certificateFor(ctx, grid, "r");
  const first = await submit(certs, grid.dgmd, cert);
  if (!first.ok) throw new Error(`scenario bug: the genuine certificate was refused: ${first.error}`);
  await (await certs.connect(grid.dgmd).revokeCertificate(cert.certId)).wait();
  const replay = await submit(certs, grid.dgmd, cert);
  const period = await grid.registry.currentPeriod();
  const capacity = await certs.authorizedCapacityAt(cert.meter, period);
  return txObservation(replay, `authorized capacity after: ${capacity} W`);
}

/** The DGMD sets tolerance just outside both ends; the utility tries a valid value. */
export async function toleranceOutOfRange(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const certs = await deployCertificates(ctx, grid);
  const asDgmd = certs.connect(grid.dgmd);
  const low = await attempt(() => asDgmd.setTolerance(999), certs.interface);
  const high = await attempt(() => asDgmd.setTolerance(1_501), certs.interface);
  const notDgmd = await attempt(() => certs.connect(grid.utility).setTolerance(1_200), certs.interface);
  const verdicts = [low, high, notDgmd];
  if (verdicts.some((v) => v.ok)) return { outcome: "accepted", attackSucceeded: true };
  return {
    outcome: `refused: ${verdicts.map((v) => (v.ok ? "" : v.error)).join(" + ")}`,
    attackSucceeded: false,
  };
}

/** The DGMD republishes the current week's forecast (rates would change mid-week). */
export async function tariffAfterWeekStart(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const tariffs = await ctx.ethers.deployContract("TariffSchedule", [
    await grid.registry.getAddress(),
    { ...DEFAULT_TARIFF_PARAMS },
  ]);
  const asDgmd = tariffs.connect(grid.dgmd);
  const week = Number(await tariffs.currentWeek());
  await (await asDgmd.publish(week + 1, 1_000_000n, 400_000n)).wait();
  // Move into week + 1 (one period past its start), then try to change it.
  const start = grid.epoch + BigInt((week + 1) * PERIODS_PER_WEEK * PERIOD_SECONDS);
  await ctx.helpers.time.setNextBlockTimestamp(start + BigInt(PERIOD_SECONDS));
  await ctx.helpers.mine();
  const before = await tariffs.publishedTariff(week + 1);
  const v = await attempt(() => asDgmd.publish(week + 1, 1_000_000n, 1_000_000n), tariffs.interface);
  const after = await tariffs.publishedTariff(week + 1);
  const unchanged = before.tariff.importRate === after.tariff.importRate;
  return txObservation(v, `import rate ${after.tariff.importRate} (unchanged: ${unchanged})`);
}
