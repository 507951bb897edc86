/**
 * X19: a node's real gateway (lib/gateway: SQLite store, ingest, fastify server) on loopback, flooded with
 * malformed and hostile posts, a bounded number and a bounded time, while the cluster's meters post their
 * valid readings in the middle of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getAddress, HDNodeWallet, Mnemonic, Wallet, type Provider } from "ethers";
import { buildClusterBatch } from "../../lib/gateway/batching.js";
import { Gateway } from "../../lib/gateway/gateway.js";
import { MAX_BULK_READINGS } from "../../lib/gateway/ingest.js";
import { buildServer } from "../../lib/gateway/server.js";
import { signedReadingToJson, signReading } from "../../lib/batches/reading.js";
import { alteredAfterSigning, malformedPosts } from "../simulator/faults.js";
import { postReadings, type PostResult } from "../simulator/fleet.js";
import { signedReadings } from "../fixtures/readings.js";
import { chainDomain } from "./chain.js";
import { openPeriod } from "../fixtures/grid.js";
import type { AttackContext, Observation } from "./types.js";

/** Cluster 1, parented by node 0: the gateway under attack is node 0's. */
const CLUSTER = 1;
/** Rounds of the 15 malformed shapes (lab/simulator/faults.ts). */
const ROUNDS = 8;
/** Hostile but well-formed posts per kind (altered after signing, unknown meter). */
const HOSTILE_PER_KIND = 8;
const OVERSIZE_POSTS = 4;
const CONCURRENCY = 16;
/** The flood's time bound: it stops (and the scenario reports it) past this. */
const FLOOD_DEADLINE_MS = 20_000;
const BODY_LIMIT = 64 * 1024;
/** Tables that must not change, and the one that holds the valid readings. */
const FROZEN_TABLES = ["batches", "batch_leaves", "outbox", "compromised", "cursors"] as const;
/** The in-process network's accounts come from Hardhat's well-known development mnemonic. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** ethers.getSigners(): utility, dgmd, then nodes (lab/fixtures/grid.ts): node 0 is account 2. */
const NODE0_ACCOUNT = 2;

interface Post {
  readonly body: unknown;
  readonly contentType?: string;
  readonly valid: boolean;
}

/** The private key of node 0 of the in-process grid (the gateway signs as its node). */
function node0Key(expected: string): string {
  const w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${NODE0_ACCOUNT}`);
  if (getAddress(w.address) !== getAddress(expected))
    throw new Error(`scenario bug: account ${NODE0_ACCOUNT} of the dev mnemonic is not node 0 (${expected})`);
  return w.privateKey;
}

async function runPool(
  posts: readonly Post[],
  url: string,
  deadline: number,
): Promise<(PostResult | null)[]> {
  const out: (PostResult | null)[] = posts.map(() => null);
  let next = 0;
  const worker = async () => {
    while (next < posts.length && Date.now() < deadline) {
      const i = next++;
      out[i] = await postReadings(url, posts[i].body, posts[i].contentType);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

export async function gatewayFlood(ctx: AttackContext): Promise<Observation> {
  const grid = await ctx.grid();
  const p = await openPeriod(grid);
  const dir = mkdtempSync(path.join(tmpdir(), "gridshare-attack-x19-"));
  const gw = await Gateway.open({
    dbFile: path.join(dir, "node0.db"),
    provider: ctx.ethers.provider as unknown as Provider,
    nodeKey: node0Key(grid.nodes[0].address),
    registry: await grid.registry.getAddress(),
    ledger: await grid.ledger.getAddress(),
    build: buildClusterBatch,
    startPeriod: p,
  });
  const app = buildServer(gw, {
    bodyLimit: BODY_LIMIT,
    // The matrix is stdout: the gateway's warnings and errors go to stderr.
    logger: { level: "warn", stream: process.stderr },
  });
  try {
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const frozen = () =>
      JSON.stringify(FROZEN_TABLES.map((t) => gw.store.db.prepare(`SELECT * FROM ${t}`).all()));
    const before = frozen();
    const readingsBefore = gw.store.countReadings();

    const valid = await signedReadings(grid, CLUSTER, p);
    const template = signedReadingToJson(valid[0]) as unknown as Record<string, unknown>;
    const stranger = new Wallet("0x" + "5e".repeat(32));
    const strangerReading = await signReading(stranger, await chainDomain(grid), {
      ...valid[0].reading,
      meter: stranger.address,
    });
    const hostile: Post[] = [];
    for (let r = 0; r < ROUNDS; r++)
      for (const m of malformedPosts(template))
        hostile.push({ body: m.body, contentType: m.contentType, valid: false });
    for (let k = 0; k < HOSTILE_PER_KIND; k++) {
      const s = valid[k % valid.length];
      hostile.push({ body: signedReadingToJson(alteredAfterSigning(s, BigInt(k + 1))), valid: false });
      hostile.push({ body: signedReadingToJson(strangerReading), valid: false });
    }
    for (let k = 0; k < OVERSIZE_POSTS; k++) {
      hostile.push({ body: JSON.stringify({ pad: "x".repeat(BODY_LIMIT + k) }), valid: false });
      hostile.push({ body: Array.from({ length: MAX_BULK_READINGS + 1 }, () => k), valid: false });
    }
    // The meters' valid readings go in at evenly spaced points of the flood.
    const posts = [...hostile];
    valid.forEach((s, i) => {
      const at = Math.floor(((i + 1) * hostile.length) / (valid.length + 1)) + i;
      posts.splice(at, 0, { body: signedReadingToJson(s), valid: true });
    });

    const started = Date.now();
    const answers = await runPool(posts, url, started + FLOOD_DEADLINE_MS);
    const elapsedMs = Date.now() - started;
    const unanswered = answers.filter((a) => a === null).length;
    if (unanswered > 0)
      return {
        outcome: `flood not finished within ${FLOOD_DEADLINE_MS} ms (${unanswered} unsent)`,
        attackSucceeded: true,
      };
    const statuses = new Map<number, number>();
    let hostileNot4xx = 0;
    let validAccepted = 0;
    posts.forEach((post, i) => {
      const status = answers[i]?.status ?? 0;
      if (post.valid) {
        if (status === 200) validAccepted++;
        return;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status < 400 || status >= 500) hostileNot4xx++;
    });
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
    const healthBody = (await health.json()) as { status?: string };
    const unchanged = frozen() === before;
    const stored = gw.store.countReadings() - readingsBefore;
    const ok =
      hostileNot4xx === 0 &&
      health.status === 200 &&
      healthBody.status === "ok" &&
      unchanged &&
      stored === valid.length &&
      validAccepted === valid.length;
    const detail =
      `${posts.length} posts in ${elapsedMs} ms at concurrency ${CONCURRENCY}; hostile statuses ` +
      [...statuses.entries()].map(([s, n]) => `${s}x${n}`).join(" ") +
      `; quarantined ${gw.store.quarantined().length}; readings stored ${stored}`;
    return {
      outcome: ok
        ? `refused all ${hostile.length} hostile posts (4xx), healthy, DB unchanged but quarantine, ` +
          `${validAccepted} of ${valid.length} valid readings taken`
        : `hostile not 4xx ${hostileNot4xx}, health ${health.status}/${healthBody.status}, ` +
          `frozen tables unchanged ${unchanged}, valid taken ${validAccepted}/${valid.length}, stored ${stored}`,
      attackSucceeded: !ok,
      detail,
    };
  } finally {
    await app.close();
    gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
