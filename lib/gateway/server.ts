/**
 * The HTTP face of a gateway (fastify 5): meters (or a head-end) POST signed readings,
 * the other voters' gateways POST their signed attestations; operators read
 * /health, /metrics, the quarantine's reasons and proofs. Bodies are size-limited, parsed without
 * prototype keys or deep nesting, and schema-validated with a strict validator (no type coercion, no
 * silent removal of unknown fields); every refusal is a 4xx with a reason. Logs go through fastify's
 * pino logger, JSON lines at info by default: every 5xx with its request id, chain outages, refused or
 * reverted transactions, closed periods.
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import { getAddress, isAddress } from "ethers";
import { GridShareError } from "../errors.js";
import { readingToJson, signedReadingFromJson } from "../batches/reading.js";
import { BodyError, parseBody } from "./body.js";
import type { Gateway } from "./gateway.js";
import { MAX_BULK_ATTESTATIONS } from "./attestations.js";
import { ChainUnavailableError, MAX_BULK_READINGS, quarantineRefusal, type Verdict } from "./ingest.js";
import { DEFAULT_REFUSAL_LIMITS, RefusalBudget } from "./limits.js";
import type { ReadingProof } from "./types.js";

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

const attestationSchema = {
  type: "object",
  additionalProperties: false,
  required: ["clusterId", "period", "digest", "signer", "signature"],
  properties: {
    clusterId: { type: "integer", minimum: 0, maximum: UINT32_MAX },
    period: { type: "integer", minimum: 0, maximum: UINT32_MAX },
    digest: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" },
    signer: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" },
    signature: { type: "string", pattern: "^0x[0-9a-fA-F]{130}$" },
  },
} as const;

const attestationsSchema = {
  type: "array",
  minItems: 1,
  maxItems: MAX_BULK_ATTESTATIONS,
  items: attestationSchema,
} as const;

export interface ServerOptions {
  readonly bodyLimit?: number;
  /**
   * fastify's pino logger: on at info by default (JSON lines on stdout); false turns it off; an object
   * sets the level and/or the destination.
   */
  readonly logger?: boolean | { readonly level?: string; readonly stream?: { write(msg: string): void } };
  /** Refused readings a source may send at once (see limits.ts). */
  readonly refusalBurst?: number;
  /** Refused readings a source regains per minute. */
  readonly refusalsPerMinute?: number;
}

/** What a client is told to wait while the chain cannot be read (s): about two ticks. */
export const CHAIN_RETRY_AFTER_S = 10;
/** Quarantine records one GET returns at most. */
export const MAX_QUARANTINE_PAGE = 100;

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

/** Status of a bulk answer: 200 when every item was taken, 207 when mixed, else the items' common 4xx. */
function bulkStatus(vs: readonly { ok: boolean; status: number }[]): number {
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

function loggerOption(
  o: ServerOptions["logger"],
): boolean | { level: string; stream?: { write(msg: string): void } } {
  if (o === false) return false;
  if (o === undefined || o === true) return { level: "info" };
  return { level: o.level ?? "info", ...(o.stream ? { stream: o.stream } : {}) };
}

function chainUnavailable(reply: FastifyReply, e: ChainUnavailableError): FastifyReply {
  return reply
    .header("retry-after", String(CHAIN_RETRY_AFTER_S))
    .status(503)
    .send({
      error: e.code,
      reason: `${e.message}: nothing of this request was stored; retry after ${CHAIN_RETRY_AFTER_S} s`,
    });
}

/**
 * The gateway's fastify set-up without its routes: logger, body limit, strict validator, and JSON bodies
 * (only JSON) read as text and handed to `parse`. The benchmarks' HTTP floor uses the same set-up.
 */
export function httpServer(
  opts: Pick<ServerOptions, "bodyLimit" | "logger">,
  parse: (text: string) => unknown,
): FastifyInstance {
  const app = Fastify({
    logger: loggerOption(opts.logger),
    // Per-request lines would cost more than a reading; 5xx and events are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Strict: a string "5" is not a number, unknown fields are errors, nothing is filled in.
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  });
  // Only JSON is a reading: without this, fastify would parse text/plain into a string.
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    try {
      done(null, parse(text as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  return app;
}

/**
 * The gateway's HTTP API on `httpServer`'s set-up: POST /readings and /attestations, GET /proof, /absence,
 * /quarantine, /health and /metrics, with the refusal allowance per source and every error answered as
 * `{ error, reason }`.
 */
export function buildServer(gw: Gateway, opts: ServerOptions = {}): FastifyInstance {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = httpServer(opts, parseBody);
  gw.useLog(app.log);
  const budget = new RefusalBudget({
    burst: opts.refusalBurst ?? DEFAULT_REFUSAL_LIMITS.burst,
    perMinute: opts.refusalsPerMinute ?? DEFAULT_REFUSAL_LIMITS.perMinute,
  });

  app.setErrorHandler((err: FastifyError | GridShareError, req, reply) => {
    if (err instanceof BodyError) return reply.status(400).send({ error: err.code, reason: err.message });
    if (err instanceof ChainUnavailableError) return chainUnavailable(reply, err);
    const status =
      "statusCode" in err && err.statusCode && err.statusCode >= 400 && err.statusCode < 600
        ? err.statusCode
        : 500;
    const reasons: Record<string, string> = {
      FST_ERR_CTP_BODY_TOO_LARGE: `body larger than ${bodyLimit} bytes: send at most ${MAX_BULK_READINGS} readings per request`,
      FST_ERR_CTP_INVALID_MEDIA_TYPE: "content type must be application/json",
    };
    const code = err.code ?? "ERROR";
    if (status >= 500) {
      req.log.error({ err, method: req.method, url: req.url }, "request failed");
    }
    return reply.status(status).send({
      error: code.startsWith("FST_ERR_CTP") ? code.replace("FST_ERR_CTP_", "") : code,
      reason:
        reasons[code] ??
        (status >= 500 ? `internal error: see the gateway log, request ${String(req.id)}` : err.message),
    });
  });

  // A source that spent its refusal allowance is turned away before its body is read.
  app.addHook("onRequest", async (req, reply) => {
    if (req.method !== "POST" || req.routeOptions.url !== "/readings") return;
    const now = Date.now();
    if (budget.available(req.ip, now) >= 1) return;
    gw.noteLimited();
    const wait = budget.retryAfterSeconds(req.ip, now);
    return reply
      .header("retry-after", String(wait))
      .status(429)
      .send({
        error: "TOO_MANY_REFUSALS",
        reason: `${req.ip} sent more refused readings than its allowance (${opts.refusalBurst ?? DEFAULT_REFUSAL_LIMITS.burst} at once, ${opts.refusalsPerMinute ?? DEFAULT_REFUSAL_LIMITS.perMinute} a minute): fix the readings, retry after ${wait} s`,
      });
  });

  app.post("/readings", { schema: { body: bodySchema }, attachValidation: true }, async (req, reply) => {
    const body: unknown = req.body;
    const now = Date.now();
    const allowance = budget.available(req.ip, now);
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
        quarantineRefusal(
          gw.store,
          {
            meter: null,
            period: null,
            clusterId: null,
            code: "SCHEMA_INVALID",
            reason,
            body: JSON.stringify(body) ?? "",
          },
          now,
          allowance,
        );
        budget.charge(req.ip, 1, now);
        return reply.status(400).send({ error: "SCHEMA_INVALID", reason });
      }
      // A bulk upload with some bad items: judge each on its own so the valid ones are kept.
    }
    const report = await gw.ingestReport(body, { quarantineAllowance: allowance });
    budget.charge(req.ip, report.refused, now);
    const verdicts = report.verdicts;
    if (!Array.isArray(body)) {
      const v = verdicts[0] as Verdict;
      return reply.status(v.status).send(verdictJson(v));
    }
    return reply.status(bulkStatus(verdicts)).send({ results: verdicts.map(verdictJson) });
  });

  // Other voters' signed attestations (SPEC 6). Each item is authenticated by its own signature in the
  // ledger's domain; the request itself carries nothing else that is trusted.
  app.post("/attestations", { schema: { body: attestationsSchema } }, async (req, reply) => {
    const verdicts = await gw.receiveAttestations(req.body);
    return reply.status(bulkStatus(verdicts)).send({ results: verdicts });
  });

  app.get<{ Params: { meter: string; period: string } }>("/proof/:meter/:period", async (req, reply) => {
    const { meter, period } = req.params;
    if (!isMeterPeriod(meter, period)) return reply.status(400).send(badMeterPeriod("proof"));
    const p = await gw.acceptedProofFor(getAddress(meter), Number(period));
    if (p.kind === "notHeld")
      return reply
        .status(404)
        .send({ error: "NO_PROOF", reason: `no batched reading of ${meter} for period ${period} here` });
    if (p.kind === "notAccepted")
      return reply.status(409).send({ error: "BATCH_NOT_ACCEPTED", reason: p.reason });
    return proofJson(p.value);
  });

  app.get<{ Params: { meter: string; period: string } }>("/absence/:meter/:period", async (req, reply) => {
    const { meter, period } = req.params;
    if (!isMeterPeriod(meter, period)) return reply.status(400).send(badMeterPeriod("absence"));
    const served = await gw.absenceFor(meter, Number(period));
    if (served.kind === "notHeld")
      return reply.status(404).send({
        error: "NO_PROOF",
        reason: `no batch built here for the cluster of ${meter} in period ${period} that lacks its reading`,
      });
    if (served.kind === "notAccepted") {
      return reply.status(409).send({ error: "BATCH_NOT_ACCEPTED", reason: served.reason });
    }
    const a = served.value;
    return { meter: a.meter, period: a.period, around: a.around.map(proofJson) };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>("/quarantine", async (req, reply) => {
    const { meter, limit = "20", before } = req.query;
    const int = /^[1-9][0-9]{0,14}$/;
    if (
      (meter !== undefined && !isAddress(meter)) ||
      !int.test(limit) ||
      Number(limit) > MAX_QUARANTINE_PAGE ||
      (before !== undefined && !int.test(before))
    ) {
      return reply.status(400).send({
        error: "BAD_REQUEST",
        reason: `use /quarantine?meter=<address>&limit=<1..${MAX_QUARANTINE_PAGE}>&before=<id>, every parameter optional`,
      });
    }
    const records = gw.store.quarantineRecent(Number(limit), {
      ...(meter !== undefined ? { meter: getAddress(meter) } : {}),
      ...(before !== undefined ? { before: Number(before) } : {}),
    });
    const last = records[records.length - 1];
    return { records, next: records.length === Number(limit) && last ? last.id : null };
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
  const h = gw.health();
  app.log.info(
    { event: "started", url, node: h.node, domain: h.domain, recovery: h.recovery, served: h.served },
    `gateway of node ${h.node} listening at ${url}; signatures recovered by ${h.recovery.impl} code on ${h.recovery.threads} thread(s)`,
  );
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
