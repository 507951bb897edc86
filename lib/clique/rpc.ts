import { GridShareError } from "../errors.js";

/** A JSON-RPC endpoint did not answer, or answered with an error. */
export class RpcError extends GridShareError {
  constructor(url: string, method: string, problem: string, options?: { cause?: unknown }) {
    super("RPC_FAILED", `${method} on ${url}: ${problem}`, options);
  }
}

/** Something the devnet waited for did not happen in time. */
export class TimeoutError extends GridShareError {
  constructor(what: string, ms: number) {
    super("TIMEOUT", `${what}: not reached within ${ms} ms; see the node logs under .devnet/`);
  }
}

/** Transport of one JSON-RPC call; tests swap it for a recorded exchange. */
export type RpcTransport = (url: string, method: string, params: readonly unknown[]) => Promise<unknown>;

let nextId = 1;

/** HTTP JSON-RPC (the EthereumJS client serves no filters or subscriptions: callers poll). */
export const httpTransport: RpcTransport = async (url, method, params) => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new RpcError(url, method, "unreachable", { cause });
  }
  const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error !== undefined) throw new RpcError(url, method, `${body.error.code} ${body.error.message}`);
  return body.result;
};

/** Polls `probe` every `intervalMs` until it returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new TimeoutError(what, timeoutMs);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
