/**
 * The HTTP floor of one-reading-per-POST ingest (issue 17): the gateway's own fastify set-up
 * (lib/gateway/server.ts's `httpServer`) with a POST /readings route that answers a verdict of the usual size
 * without looking at the body. The gateway bench's load generator measures it beside the gateway: what one
 * exchange costs (HTTP on both ends, loopback) before any of the gateway's work, which parsing, recovery,
 * the checks and the group commit add on top.
 */
import type { FastifyInstance } from "fastify";
import { httpServer } from "../../lib/gateway/server.js";

/** Every answer of the floor: an accepted reading's verdict, as the gateway words it. */
export const FLOOR_VERDICT = {
  result: "accepted",
  meter: "0x0000000000000000000000000000000000000001",
  period: 999,
} as const;

/** A server with the gateway's HTTP set-up whose only route answers FLOOR_VERDICT (body read, not parsed). */
export function httpFloorServer(): FastifyInstance {
  const app = httpServer({ logger: false }, (text) => text);
  app.post("/readings", async (_req, reply) => reply.status(200).send(FLOOR_VERDICT));
  return app;
}
