import { task } from "hardhat/config";
import type { TaskDefinition } from "hardhat/types/tasks";
import { contractOption, fromOption, jsonFlag, option } from "../options.js";

const certificatesOption = contractOption("CapacityCertificates");
const tariffsOption = contractOption("TariffSchedule");
const dgmdOption = fromOption("dgmd");
const keyFileOption = option(
  "keyFile",
  "File with the DGMD record key, 64 hex digits (default: GRIDSHARE_DGMD_RECORD_KEY)",
);
const certIdOption = option("certId", "Certificate id (32-byte hex)");

/** DGMD operations: capacity certificates, tolerance, weekly tariffs and curtailment rules (SPEC 8-11). */
export const dgmdTasks: TaskDefinition[] = [
  task("dgmd:certify", "Encrypt an applicant's record, sign and submit a capacity certificate (DGMD)")
    .addOption(option("application", "Application JSON file"))
    .addOption(keyFileOption)
    .addOption(option("out", "Directory for the encrypted record", "dgmd-records"))
    .addOption(certificatesOption)
    .addOption(dgmdOption)
    .setAction(() => import("./certify.js"))
    .build(),
  task("dgmd:revoke", "Revoke a certificate (--cert-id) or all of a meter's (--meter) from now on (DGMD)")
    .addOption(certIdOption)
    .addOption(option("meter", "Meter address"))
    .addOption(certificatesOption)
    .addOption(dgmdOption)
    .setAction(() => import("./revoke.js"))
    .build(),
  task("dgmd:certificates", "List a meter's certificates: capacity, periods, where each stands now")
    .addOption(option("meter", "Meter address"))
    .addFlag(jsonFlag)
    .addOption(certificatesOption)
    .setAction(() => import("./certificates.js"))
    .build(),
  task("dgmd:reconfirm", "Carry a replaced meter's certificate over to its replacement --meter (DGMD)")
    .addOption(option("meter", "The replacement meter"))
    .addOption(certificatesOption)
    .addOption(dgmdOption)
    .setAction(() => import("./reconfirm.js"))
    .build(),
  task("dgmd:tolerance", "Show, or set (--bps 1000..1500), the tolerance over installed capacity (DGMD)")
    .addOption(option("bps", "Tolerance in basis points, 1000..1500"))
    .addOption(certificatesOption)
    .addOption(dgmdOption)
    .setAction(() => import("./tolerance.js"))
    .build(),
  task("dgmd:record", "Check an encrypted applicant record against its certificate and decrypt it (DGMD)")
    .addOption(certIdOption)
    .addOption(option("record", "Encrypted record file"))
    .addOption(keyFileOption)
    .addOption(certificatesOption)
    .addOption(dgmdOption)
    .setAction(() => import("./record.js"))
    .build(),
  task(
    "dgmd:forecast",
    "Forecast a week's whole-grid load and generation, print its tariff, --publish to send",
  )
    .addOption(option("week", "Week to forecast (default: next week)"))
    .addOption(option("load", "Forecast load, Wh (skips the forecaster)"))
    .addOption(option("generation", "Forecast generation, Wh"))
    .addOption(option("history", "JSON file of {period, loadWh, generationWh}"))
    .addOption(contractOption("BatchLedger", "to read the last weeks' accepted batches from"))
    .addOption(
      option(
        "site",
        "JSON file {latitudeDeg, longitudeDeg, utcOffsetHours, pvTiltDeg?, pvAzimuthDeg?} (default: GRIDSHARE_SITE)",
      ),
    )
    .addOption(option("weather", "JSON file {measured: [hour...], predicted: [hour...]} (needs the site)"))
    .addFlag({ name: "publish", description: "Publish the forecast (DGMD)" })
    .addOption(tariffsOption)
    .addOption(dgmdOption)
    .setAction(() => import("./forecast.js"))
    .build(),
  task(
    "dgmd:curtailment",
    "Show a week's curtailment rule, or announce one (--rule) for a future week and the weeks after (DGMD)",
  )
    .addOption(option("week", "Week (default: the current week to show, the next week to announce)"))
    .addOption(option("rule", "capacity (the paper's rule, the default) or generation (binds to the load)"))
    .addOption(tariffsOption)
    .addOption(dgmdOption)
    .setAction(() => import("./curtailment.js"))
    .build(),
  task("dgmd:tariffs", "Print the published weekly tariffs and the one in force")
    .addFlag(jsonFlag)
    .addOption(tariffsOption)
    .addOption(dgmdOption)
    .setAction(() => import("./tariffs.js"))
    .build(),
];
