import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { BatchLedger } from "../../types/ethers-contracts/index.js";
import { tariffRates, formatRate, type TariffParams } from "../../lib/tariffs/tariff.js";
import { resolveContract } from "../../lib/chain/deployment.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";
import { PERIODS_PER_WEEK } from "../../lib/constants.js";
import { parseUint32, parseWholeNumber } from "../../lib/args.js";
import { openSession, tariffsAt, requireDgmd, type Session } from "./common.js";
import {
  readHistoryFile,
  modelForecaster,
  type PeriodTotals,
  type WeekForecast,
} from "../../lib/tariffs/forecaster.js";

const STATUS_ACCEPTED = 2n;

/** Whole-grid totals per period of `week` from the accepted batches (unaccepted cluster-periods count 0). */
async function historyFromLedger(s: Session, ledgerOption: string, week: number): Promise<PeriodTotals[]> {
  const address = resolveContract("BatchLedger", s.chainId, ledgerOption || undefined);
  const ledger = (await s.ethers.getContractAt("BatchLedger", address)) as unknown as BatchLedger;
  const registry = await s.ethers.getContractAt("ClusterRegistry", await ledger.registry());
  const clusters = Number(await registry.clusterCount());
  const out: PeriodTotals[] = [];
  for (let p = week * PERIODS_PER_WEEK; p < (week + 1) * PERIODS_PER_WEEK; p++) {
    let loadWh = 0n;
    let generationWh = 0n;
    let accepted = 0;
    for (let c = 1; c <= clusters; c++) {
      const b = await ledger.batchOf(c, p);
      if (b.status === STATUS_ACCEPTED) {
        loadWh += b.totalLoadWh;
        generationWh += b.totalGenerationWh;
        accepted++;
      }
    }
    // A period without any accepted batch is unknown, not zero: the forecaster then refuses the week.
    if (accepted > 0) out.push({ period: p, loadWh, generationWh });
  }
  return out;
}

export default async function (
  args: {
    week: string;
    load: string;
    generation: string;
    history: string;
    ledger: string;
    publish: boolean;
    tariffs: string;
    from: string;
  },
  hre: HardhatRuntimeEnvironment,
) {
  if ((args.load === "") !== (args.generation === "")) {
    throw new InvalidArgumentError("load", "give both --load and --generation (Wh), or neither");
  }
  const explicit =
    args.load === ""
      ? undefined
      : {
          loadWh: parseWholeNumber("load", args.load),
          generationWh: parseWholeNumber("generation", args.generation),
        };
  const history = args.history === "" ? undefined : readHistoryFile(args.history);
  const s = await openSession(hre, args.from);
  const { tariffs, registry } = await tariffsAt(s, args.tariffs);
  const current = Number(await tariffs.currentWeek());
  const week = args.week === "" ? current + 1 : parseUint32("week", args.week);
  if (args.publish && week <= current) {
    throw new InvalidArgumentError(
      "week",
      `week ${week} has started (current week ${current}): its tariff is frozen`,
    );
  }
  let forecast: WeekForecast;
  if (explicit !== undefined) forecast = { ...explicit, week, method: "given" };
  else if (history !== undefined) forecast = modelForecaster.forecast(history, week);
  else forecast = modelForecaster.forecast(await historyFromLedger(s, args.ledger, week - 1), week);

  const onChain = await tariffs.params();
  const params: TariffParams = {
    baseImportRate: onChain.baseImportRate,
    baseExportRate: onChain.baseExportRate,
    floorRate: onChain.floorRate,
    ceilingRate: onChain.ceilingRate,
    sensitivityBps: Number(onChain.sensitivityBps),
  };
  const rates = tariffRates(params, forecast.loadWh, forecast.generationWh);
  // The twins must agree before anything is published.
  const [imp, exp] = await tariffs.quote(forecast.loadWh, forecast.generationWh);
  if (imp !== rates.importRate || exp !== rates.exportRate) {
    throw new GridShareError(
      "TARIFF_TWIN_MISMATCH",
      `lib/tariffs/tariff.ts gives ${rates.importRate}/${rates.exportRate} but the contract quotes ${imp}/${exp}: do not publish`,
    );
  }
  console.log(
    `week ${week} forecast (${forecast.method}): load ${forecast.loadWh} Wh, generation ${forecast.generationWh} Wh`,
  );
  console.log(
    `gap ${(Number(rates.gapBps) / 100).toFixed(2)}%: import ${formatRate(rates.importRate)}/kWh, export ${formatRate(
      rates.exportRate,
    )}/kWh`,
  );
  if (!args.publish) {
    console.log("not published (add --publish to send)");
    return;
  }
  await requireDgmd(registry, s.signer);
  const receipt = await (await tariffs.publish(week, forecast.loadWh, forecast.generationWh)).wait();
  console.log(`published week ${week} (block ${receipt?.blockNumber})`);
}
