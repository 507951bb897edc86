/**
 * A fleet of smart meters playing real homes (lab/data/citylearn.ts): each meter signs its 4-hour reading
 * with its own key (EIP-712, lib/batches/reading.ts) and posts it to its cluster's parent and neighbour gateways
 * over HTTP, as a real meter does at the end of each period.
 */
import { getAddress, type TypedDataDomain, type Wallet } from "ethers";
import { periodEnergy } from "../data/citylearn.js";
import { meterReading } from "../fixtures/readings.js";
import { loadBuilding } from "../data/citylearn.js";
import { GridShareError } from "../../lib/errors.js";
import {
  signReading,
  signedReadingToJson,
  type Reading,
  type SignedReading,
} from "../../lib/batches/reading.js";
import type { RegisteredMeterKind } from "../../lib/chain/schema.js";

export interface FleetMeter {
  readonly building: number;
  readonly wallet: Wallet;
  readonly clusterId: number;
  readonly kind: RegisteredMeterKind;
}

/** A gateway could not be reached at all (not started, wrong URL, network down). */
export class GatewayUnreachableError extends GridShareError {
  constructor(url: string, cause: unknown) {
    const c = cause as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
    const why = String(c.cause?.code ?? c.cause?.message ?? c.message ?? cause);
    super(
      "GATEWAY_UNREACHABLE",
      `gateway ${url} is unreachable (${why}): is it running, and is the URL right?`,
      {
        cause,
      },
    );
  }
}

/** What a POST answered. */
export interface PostResult {
  readonly url: string;
  readonly status: number;
  readonly body: unknown;
}

export class MeterFleet {
  /**
   * @param dataOffset data period index played at grid period 0 (period p plays data period p + offset);
   *   the default 0 aligns data Monday 2016-08-01 with the grid epoch's Monday.
   */
  constructor(
    readonly meters: readonly FleetMeter[],
    readonly domain: TypedDataDomain,
    readonly dataOffset = 0,
  ) {}

  /** The reading a meter registers for a grid period, from its building's data. */
  reading(m: FleetMeter, period: number): Reading {
    const e = periodEnergy(m.building, period + this.dataOffset);
    return meterReading(getAddress(m.wallet.address), period, e, m.kind);
  }

  sign(m: FleetMeter, reading: Reading): Promise<SignedReading> {
    return signReading(m.wallet, this.domain, reading);
  }

  /** Every meter's signed reading for a period. */
  async period(period: number): Promise<{ meter: FleetMeter; signed: SignedReading }[]> {
    const out: { meter: FleetMeter; signed: SignedReading }[] = [];
    for (const m of this.meters) out.push({ meter: m, signed: await this.sign(m, this.reading(m, period)) });
    return out;
  }
}

/** POST a JSON body (an object, an array, or a raw string sent as is) to `<base>/readings`. */
export async function postReadings(
  base: string,
  body: unknown,
  contentType = "application/json",
): Promise<PostResult> {
  const url = `${base.replace(/\/$/, "")}/readings`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new GatewayUnreachableError(url, e);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { url, status: res.status, body: parsed };
}

/** POST one signed reading to each of the meter's gateways (parent and neighbours). */
export async function sendReading(bases: readonly string[], signed: SignedReading): Promise<PostResult[]> {
  const json = signedReadingToJson(signed);
  return Promise.all(bases.map((b) => postReadings(b, json)));
}
