/**
 * Serve the in-process Hardhat network over JSON-RPC on 127.0.0.1 so a child process (a gateway killed
 * with SIGKILL in the crash test) can use the same chain as the test.
 */
import Fastify, { type FastifyInstance } from "fastify";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface RpcRequest {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

async function answer(provider: Eip1193, r: RpcRequest): Promise<Record<string, unknown>> {
  try {
    if (typeof r.method !== "string") throw Object.assign(new Error("no method"), { code: -32600 });
    const result = await provider.request({
      method: r.method,
      params: Array.isArray(r.params) ? r.params : [],
    });
    return { jsonrpc: "2.0", id: r.id ?? null, result: result ?? null };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; data?: unknown };
    return {
      jsonrpc: "2.0",
      id: r.id ?? null,
      error: {
        code: typeof err.code === "number" ? err.code : -32603,
        message: typeof err.message === "string" ? err.message : String(e),
        ...(err.data !== undefined ? { data: err.data } : {}),
      },
    };
  }
}

/** `port` 0 picks a free port; a given port serves the same URL again after a simulated outage. */
export async function serveRpc(provider: Eip1193, port = 0): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
  app.post("/", async (req) => {
    const body = req.body as RpcRequest | RpcRequest[];
    if (Array.isArray(body)) return Promise.all(body.map((r) => answer(provider, r)));
    return answer(provider, body);
  });
  const url = await app.listen({ host: "127.0.0.1", port });
  return { app, url };
}
