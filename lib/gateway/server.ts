/**
 * The HTTP face of a gateway (fastify 5): meters (or a head-end) POST signed readings; operators read
 * /health, /metrics and proofs. Bodies are size-limited and schema-validated with a strict validator
 * (no type coercion, no silent removal of unknown fields); every refusal is a 4xx with a reason.
 */
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { getAddress, isAddress } from "ethers";
import { GridShareError } from "../errors.js";
import { readingToJson, signedReadingFromJson } from "../batches/reading.js";
import type { Gateway } from "./gateway.js";
import type { ReadingProof } from "./types.js";
import { MAX_BULK_READINGS, type Verdict } from "./ingest.js";

/** One reading is ~450 bytes of JSON; a full bulk upload stays well under this. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

const UINT32_MAX = 4_294_967_295;
const DECIMAL_U64 = "^(0|[1-9][0-9]{0,19})$";

const readingSchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "meter",
    "period",
    "importWh",
    "exportWh",
    "loadWh",
    "generationWh",
    "peakLoadW",
    "peakGenerationW",
  ],
  properties: {
    meter: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
    period: { type: "integer", minimum: 0, maximum: UINT32_MAX },
    importWh: { type: "string", pattern: DECIMAL_U64 },
    exportWh: { type: "string", pattern: DECIMAL_U64 },
    loadWh: { type: "string", pattern: DECIMAL_U64 },
    generationWh: { type: "string", pattern: DECIMAL_U64 },
    peakLoadW: { type: "integer", minimum: 0, maximum: UINT32_MAX },
    peakGenerationW: { type: "integer", minimum: 0, maximum: UINT32_MAX },
  },
} as const;

const signedSchema = {
  type: "object",
  additionalProperties: false,
  required: ["reading", "signature"],
  properties: { reading: readingSchema, signature: { type: "string", pattern: "^0x[0-9a-fA-F]{130}$" } },
} as const;

const bodySchema = {
  oneOf: [signedSchema, { type: "array", minItems: 1, maxItems: MAX_BULK_READINGS, items: signedSchema }],
} as const;

export interface ServerOptions {
  readonly bodyLimit?: number;
  /** fastify's logger (off by default; the CLI turns it on). */
  readonly logger?: boolean;
}

function verdictJson(v: Verdict): Record<string, unknown> {
  return v.ok
    ? { result: v.result, meter: v.meter, period: v.period }
    : {
        error: v.code,
        reason: v.reason,
        ...(v.meter ? { meter: v.meter } : {}),
        ...(v.period !== undefined ? { period: v.period } : {}),
      };
}

/** Status of a bulk answer: 200 when every item was taken, 207 when mixed, else the items' common 4xx. */
/** `/:meter/:period` path parameters: an address and a uint32 period number. */
function isMeterPeriod(meter: string, period: string): boolean {
  return isAddress(meter) && /^(0|[1-9][0-9]{0,9})$/.test(period);
}

const badMeterPeriod = (route: string) => ({
  error: "BAD_REQUEST",
  reason: `use /${route}/<meter address>/<period number>`,
});

/** IBatchLedger.ReadingProof as JSON (energies as decimal strings, the proof packed hex). */
function proofJson(p: ReadingProof): Record<string, unknown> {
  return { reading: readingToJson(p.reading), signature: p.signature, index: p.index, proof: p.proof };
}

function bulkStatus(vs: readonly Verdict[]): number {
  if (vs.every((v) => v.ok)) return 200;
  if (vs.some((v) => v.ok)) return 207;
  const first = vs[0]?.status ?? 422;
  return vs.every((v) => v.status === first) ? first : 422;
}

function schemaReason(body: unknown, fallback: string): string {
  if (typeof body !== "object" || body === null)
    return "expected one signed reading object or an array of them";
  try {
    signedReadingFromJson(body);
  } catch (e) {
    if (e instanceof GridShareError) return e.message;
  }
  return fallback;
}

export function buildServer(gw: Gateway, opts: ServerOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Strict: a string "5" is not a number, unknown fields are errors, nothing is filled in.
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  });

  // Only JSON is a reading: without this, fastify would parse text/plain into a string.
  app.removeContentTypeParser("text/plain");

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const reasons: Record<string, string> = {
      FST_ERR_CTP_BODY_TOO_LARGE: `body larger than ${opts.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes: send at most ${MAX_BULK_READINGS} readings per request`,
      FST_ERR_CTP_INVALID_JSON_BODY: `body is not valid JSON: ${err.message}`,
      FST_ERR_CTP_EMPTY_JSON_BODY: "body is empty: send one signed reading or an array of them",
      FST_ERR_CTP_INVALID_MEDIA_TYPE: "content type must be application/json",
    };
    const code = err.code ?? "ERROR";
    void reply.status(status).send({
      error: code.startsWith("FST_ERR_CTP") ? code.replace("FST_ERR_CTP_", "") : code,
      reason: reasons[code] ?? (status >= 500 ? "internal error: see the gateway log" : err.message),
    });
  });

  app.post("/readings", { schema: { body: bodySchema }, attachValidation: true }, async (req, reply) => {
    const body: unknown = req.body;
    if (req.validationError) {
      if (Array.isArray(body) && body.length > MAX_BULK_READINGS) {
        return reply.status(413).send({
          error: "TOO_MANY_READINGS",
          reason: `${body.length} readings in one request: at most ${MAX_BULK_READINGS}`,
        });
      }
      if (Array.isArray(body) && body.length === 0) {
        return reply.status(400).send({ error: "EMPTY_BULK", reason: "the array holds no reading" });
      }
      if (!Array.isArray(body)) {
        // A single reading failed the schema: quarantine it with the strict parser's precise reason
        // (the validator's oneOf message names both alternatives and helps nobody).
        const reason = `reading JSON does not match the schema: ${schemaReason(body, req.validationError.message)}`;
        gw.store.quarantine(
          {
            meter: null,
            period: null,
            clusterId: null,
            code: "SCHEMA_INVALID",
            reason,
            body: JSON.stringify(body) ?? "",
          },
          Date.now(),
        );
        return reply.status(400).send({ error: "SCHEMA_INVALID", reason });
      }
      // A bulk upload with some bad items: judge each on its own so the valid ones are kept.
    }
    const verdicts = await gw.ingest(body);
    if (!Array.isArray(body)) {
      const v = verdicts[0] as Verdict;
      return reply.status(v.status).send(verdictJson(v));
    }
    return reply.status(bulkStatus(verdicts)).send({ results: verdicts.map(verdictJson) });
  });

  app.get<{ Params: { meter: string; period: string } }>("/proof/:meter/:period", async (req, reply) => {
    const { meter, period } = req.params;
    if (!isMeterPeriod(meter, period)) return reply.status(400).send(badMeterPeriod("proof"));
    const p = gw.proofFor(getAddress(meter), Number(period));
    if (!p)
      return reply
        .status(404)
        .send({ error: "NO_PROOF", reason: `no batched reading of ${meter} for period ${period} here` });
    return proofJson(p);
  });

  app.get<{ Params: { meter: string; period: string } }>("/absence/:meter/:period", async (req, reply) => {
    const { meter, period } = req.params;
    if (!isMeterPeriod(meter, period)) return reply.status(400).send(badMeterPeriod("absence"));
    const a = await gw.absenceFor(meter, Number(period));
    if (!a)
      return reply.status(404).send({
        error: "NO_PROOF",
        reason: `no batch built here for the cluster of ${meter} in period ${period} that lacks its reading`,
      });
    return { meter: a.meter, period: a.period, around: a.around.map(proofJson) };
  });

  app.get("/health", async (_req, reply) => {
    const h = gw.health();
    return reply.status(h.status === "ok" ? 200 : 503).send(h);
  });

  app.get("/metrics", async (_req, reply) => {
    return reply.type("text/plain; version=0.0.4").send(gw.metrics());
  });

  return app;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Listen on `host:port` and tick every `tickMs` (one tick at a time; the next starts after the previous
 * ends). `port` 0 picks a free port.
 */
export async function startService(
  gw: Gateway,
  o: { host?: string; port?: number; tickMs?: number } & ServerOptions = {},
): Promise<Service> {
  const app = buildServer(gw, o);
  const url = await app.listen({ host: o.host ?? "127.0.0.1", port: o.port ?? 0 });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = gw.tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, o.tickMs ?? 5_000);
    });
  };
  loop();
  return {
    app,
    url,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await app.close();
    },
  };
}
