/**
 * Faults the simulator can inject (invented on purpose: real data has none of them):
 * - a lying parent: its batch builder inflates or deflates the totals it proposes;
 * - a silent neighbour: the driver neither posts to nor ticks it (see run.ts);
 * - a tampered meter: a reading altered after signing (bad signature), or a second, different reading
 *   signed by the meter's key for the same period (compromised key, SPEC 5);
 * - malformed posts: bodies a broken or hostile client sends.
 */
import { batchDigest } from "../../lib/batches/batch.js";
import type { Reading, SignedReading } from "../../lib/batches/reading.js";
import type { BatchBuilder } from "../../lib/gateway/types.js";
import type { FleetMeter, MeterFleet } from "./fleet.js";

/**
 * A parent that proposes altered totals (SPEC 12: parent-node intervention). With `onlyCluster` it lies
 * only about that cluster (its own) and stays honest where it is a neighbour.
 */
export function lyingBuilder(build: BatchBuilder, extraLoadWh: bigint, onlyCluster?: number): BatchBuilder {
  return (clusterId, period, readings) => {
    const honest = build(clusterId, period, readings);
    if (onlyCluster !== undefined && clusterId !== onlyCluster) return honest;
    const header = { ...honest.header, totalLoadWh: honest.header.totalLoadWh + extraLoadWh };
    return { ...honest, header, digest: batchDigest(header) };
  };
}

/** The reading altered after signing: its signature no longer matches (a meter tampered in transit). */
export function alteredAfterSigning(s: SignedReading, extraLoadWh = 1000n): SignedReading {
  const r = s.reading;
  return {
    signature: s.signature,
    reading: { ...r, loadWh: r.loadWh + extraLoadWh, importWh: r.importWh + extraLoadWh },
  };
}

/** A second, different, validly signed reading for the same meter-period: the key is compromised. */
export function conflictingReading(
  fleet: MeterFleet,
  m: FleetMeter,
  original: Reading,
): Promise<SignedReading> {
  return fleet.sign(m, { ...original, loadWh: original.loadWh + 1n, importWh: original.importWh + 1n });
}

export interface MalformedPost {
  readonly name: string;
  /** Sent as is when a string; JSON-encoded otherwise. */
  readonly body: unknown;
  readonly contentType?: string;
}

/** Bodies that must each get a 4xx and leave the readings untouched. */
export function malformedPosts(valid: Record<string, unknown>): MalformedPost[] {
  const reading = valid.reading as Record<string, unknown>;
  return [
    { name: "not JSON", body: "{reading: oops" },
    { name: "empty body", body: "" },
    { name: "JSON null", body: "null" },
    { name: "a number", body: "42" },
    { name: "empty object", body: {} },
    { name: "empty array", body: [] },
    { name: "wrong content type", body: JSON.stringify(valid), contentType: "text/plain" },
    { name: "energy as number", body: { ...valid, reading: { ...reading, loadWh: 1234 } } },
    { name: "period as string", body: { ...valid, reading: { ...reading, period: String(reading.period) } } },
    { name: "negative energy", body: { ...valid, reading: { ...reading, importWh: "-5" } } },
    {
      name: "energy above uint64",
      body: { ...valid, reading: { ...reading, exportWh: "18446744073709551616" } },
    },
    { name: "unknown field", body: { ...valid, extra: true } },
    { name: "missing signature", body: { reading } },
    { name: "short signature", body: { ...valid, signature: "0x1234" } },
    { name: "meter not an address", body: { ...valid, reading: { ...reading, meter: "0xnotanaddress" } } },
  ];
}
