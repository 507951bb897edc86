import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { formatRate } from "../../lib/tariffs/tariff.js";
import { renderTable, toJson } from "../../lib/format/table.js";
import { openSession, tariffsAt } from "./common.js";

export default async function (
  args: { json: boolean; tariffs: string; from: string },
  hre: HardhatRuntimeEnvironment,
) {
  const s = await openSession(hre, args.from);
  const { tariffs } = await tariffsAt(s, args.tariffs);
  const current = Number(await tariffs.currentWeek());
  const weeks = (await tariffs.publishedWeeks()).map(Number);
  const rows = [];
  for (const week of weeks) {
    const [t] = await tariffs.publishedTariff(week);
    rows.push({
      week,
      state: week < current ? "past" : week === current ? "in force" : "future (may change)",
      forecastLoadWh: t.forecastLoadWh,
      forecastGenerationWh: t.forecastGenerationWh,
      importRate: t.importRate,
      exportRate: t.exportRate,
    });
  }
  let inForce:
    { sourceWeek: number; isFallback: boolean; importRate: bigint; exportRate: bigint } | undefined;
  if (weeks.some((w) => w <= current)) {
    const [importRate, exportRate, sourceWeek, isFallback] = await tariffs.tariffOf(current);
    inForce = { sourceWeek: Number(sourceWeek), isFallback, importRate, exportRate };
  }
  if (args.json) {
    console.log(toJson({ currentWeek: current, tariffs: rows, inForce: inForce ?? null }));
    return;
  }
  console.log(
    renderTable(
      ["week", "state", "load Wh", "generation Wh", "import /kWh", "export /kWh"],
      rows.map((r) => [
        r.week,
        r.state,
        r.forecastLoadWh,
        r.forecastGenerationWh,
        formatRate(r.importRate),
        formatRate(r.exportRate),
      ]),
    ),
  );
  if (inForce === undefined) console.log(`current week ${current}: no tariff published yet`);
  else
    console.log(
      `current week ${current}: import ${formatRate(inForce.importRate)}, export ${formatRate(inForce.exportRate)}` +
        (inForce.isFallback
          ? ` (FALLBACK: week ${inForce.sourceWeek}'s tariff, none published for week ${current})`
          : ""),
    );
}
