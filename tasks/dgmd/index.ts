import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";

const certificatesOption = {
  name: "certificates",
  description: "CapacityCertificates address (default: GRIDSHARE_CERTIFICATES or the Ignition deployment)",
  defaultValue: "",
} as const;
const tariffsOption = {
  name: "tariffs",
  description: "TariffSchedule address (default: GRIDSHARE_TARIFFS or the Ignition deployment)",
  defaultValue: "",
} as const;
const fromOption = {
  name: "from",
  description: "Acting account (the DGMD); default: the network's first account",
  defaultValue: "",
} as const;
const keyFileOption = {
  name: "keyFile",
  description: "File with the DGMD record key, 64 hex digits (default: GRIDSHARE_DGMD_RECORD_KEY)",
  defaultValue: "",
} as const;

/** DGMD operations: capacity certificates, tolerance, weekly tariffs (SPEC 8, 9). */
export const dgmdTasks: TaskDefinition[] = [
  task("dgmd:certify", "Encrypt an applicant's record, sign and submit a capacity certificate (DGMD)")
    .addOption({ name: "application", description: "Application JSON file", defaultValue: "" })
    .addOption(keyFileOption)
    .addOption({
      name: "out",
      description: "Directory for the encrypted record",
      defaultValue: "dgmd-records",
    })
    .addOption(certificatesOption)
    .addOption(fromOption)
    .setAction(() => import("./certify.js"))
    .build(),
  task("dgmd:revoke", "Revoke a certificate (--cert-id) or all of a meter's (--meter) from now on (DGMD)")
    .addOption({ name: "certId", description: "Certificate id (32-byte hex)", defaultValue: "" })
    .addOption({ name: "meter", description: "Meter address", defaultValue: "" })
    .addOption(certificatesOption)
    .addOption(fromOption)
    .setAction(() => import("./revoke.js"))
    .build(),
  task("dgmd:tolerance", "Show, or set (--bps 1000..1500), the tolerance over installed capacity (DGMD)")
    .addOption({ name: "bps", description: "Tolerance in basis points, 1000..1500", defaultValue: "" })
    .addOption(certificatesOption)
    .addOption(fromOption)
    .setAction(() => import("./tolerance.js"))
    .build(),
  task("dgmd:record", "Check an encrypted applicant record against its certificate and decrypt it (DGMD)")
    .addOption({ name: "certId", description: "Certificate id (32-byte hex)", defaultValue: "" })
    .addOption({ name: "record", description: "Encrypted record file", defaultValue: "" })
    .addOption(keyFileOption)
    .addOption(certificatesOption)
    .addOption(fromOption)
    .setAction(() => import("./record.js"))
    .build(),
  task(
    "dgmd:forecast",
    "Forecast a week's whole-grid load and generation, print its tariff, --publish to send",
  )
    .addOption({ name: "week", description: "Week to forecast (default: next week)", defaultValue: "" })
    .addOption({ name: "load", description: "Forecast load, Wh (skips the forecaster)", defaultValue: "" })
    .addOption({ name: "generation", description: "Forecast generation, Wh", defaultValue: "" })
    .addOption({
      name: "history",
      description: "JSON file of {period, loadWh, generationWh}",
      defaultValue: "",
    })
    .addOption({
      name: "ledger",
      description: "BatchLedger to read last week's accepted batches from (default: deployment)",
      defaultValue: "",
    })
    .addFlag({ name: "publish", description: "Publish the forecast (DGMD)" })
    .addOption(tariffsOption)
    .addOption(fromOption)
    .setAction(() => import("./forecast.js"))
    .build(),
  task("dgmd:tariffs", "Print the published weekly tariffs and the one in force")
    .addFlag({ name: "json", description: "Machine-readable JSON" })
    .addOption(tariffsOption)
    .addOption(fromOption)
    .setAction(() => import("./tariffs.js"))
    .build(),
];
