/**
 * The DGMD's part of the demo, on-chain: certify each prosumer's real PV capacity (EIP-712 certificate with an
 * AES-256-GCM personal-data record of which only the commitment goes on-chain), re-confirm a replaced meter,
 * and publish each week's tariff from the forecast before the week starts.
 */
import { keccak256, toUtf8Bytes, getBytes, type Signer } from "ethers";
import type { CapacityCertificates, TariffSchedule } from "../../types/ethers-contracts/index.js";
import { certificateDomain, signCertificate, type Certificate } from "../../lib/certificates/certificates.js";
import { encryptRecord, IV_BYTES, recordCommitment } from "../../lib/certificates/record.js";
import type { Tariff } from "../../lib/billing/billing.js";
import type { MeterSlot } from "./meters.js";
import type { TariffPort } from "./tariffs.js";
import type { WeekForecast } from "../../lib/tariffs/forecaster.js";

/** Certificates run one year from issue. */
const CERTIFICATE_SECONDS = 365n * 86_400n;

/** The demo DGMD's record key, derived from the seed (a real DGMD keeps its key offline). */
export function demoRecordKey(seed: string): Uint8Array {
  return getBytes(keccak256(toUtf8Bytes(`gridshare-demo:${seed}:dgmd-record-key`)));
}

export function demoCertId(seed: string, meter: string): string {
  return keccak256(toUtf8Bytes(`gridshare-demo:${seed}:certificate:${meter.toLowerCase()}`));
}

/** Sign and submit a certificate of the home's real installed PV capacity for the slot's current meter. */
export async function certifyProsumer(
  certificates: CapacityCertificates,
  dgmd: Signer,
  chainId: bigint,
  seed: string,
  slot: MeterSlot,
  now: bigint,
): Promise<Certificate> {
  const meter = slot.wallet.address;
  // Deterministic IV so that a seed reproduces the same commitment; the key never repeats an IV per meter.
  const iv = getBytes(keccak256(toUtf8Bytes(`gridshare-demo:${seed}:iv:${meter.toLowerCase()}`))).slice(
    0,
    IV_BYTES,
  );
  const blob = encryptRecord(
    demoRecordKey(seed),
    meter,
    {
      name: `Owner of CityLearn building ${slot.building}`,
      address: `Sierra Crest ZNE community, Fontana CA, home ${slot.building}`,
      siteVisitNotes: `PV array ${slot.capacityW / 1000} kWp inspected`,
    },
    Buffer.from(iv),
  );
  const cert: Certificate = {
    meter,
    installedCapacityW: BigInt(slot.capacityW),
    infoCommitment: recordCommitment(blob),
    validFrom: now,
    validUntil: now + CERTIFICATE_SECONDS,
    certId: demoCertId(seed, meter),
  };
  const signature = await signCertificate(
    dgmd,
    certificateDomain(chainId, await certificates.getAddress()),
    cert,
  );
  // Anyone may submit a DGMD-signed certificate; the DGMD does it here.
  await (await certificates.connect(dgmd).submitCertificate(cert, signature)).wait();
  return cert;
}

/** Tariffs published on the TariffSchedule contract by the DGMD. */
export class OnChainTariffs implements TariffPort {
  readonly source = "TariffSchedule (published by the DGMD from the forecast)";

  constructor(
    private readonly schedule: TariffSchedule,
    private readonly dgmd: Signer,
  ) {}

  async publish(f: WeekForecast): Promise<void> {
    await (await this.schedule.connect(this.dgmd).publish(f.week, f.loadWh, f.generationWh)).wait();
  }

  async tariffOf(week: number): Promise<Tariff> {
    const [importRate, exportRate, sourceWeek, isFallback] = await this.schedule.tariffOf(week);
    return { importRate, exportRate, sourceWeek: Number(sourceWeek), isFallback };
  }
}
