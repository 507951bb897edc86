/**
 * Crash safety with real processes (lab/simulator/crash.ts): node 0's gateway runs as a child process
 * (scripts/gateway.ts) against the in-process chain served over JSON-RPC on 127.0.0.1, and is killed with
 * SIGKILL over and over: at random moments, and right after each step of the outbox protocol (checked,
 * signed, broadcast, final) through the script's fault-injection hook. Node 1's gateway runs in-process
 * and is never killed. Afterwards: every reading the child acknowledged is in its database and in an
 * accepted batch, every period of both clusters is accepted, node 0's attestation of each batch is on
 * record, sent exactly once with no transaction wasted (no peer carries it here: its nonce equals two
 * submissions a period), and the database passes SQLite's integrity check.
 */
import { expect } from "chai";
import { network } from "hardhat";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runCrashCampaign } from "../../lab/simulator/crash.js";
import { tempDir } from "./helpers.js";

const connection = await network.create();
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PERIODS = 6;
const KILLS_PER_PERIOD = 4;

describe("gateway crash safety (child process, kill -9)", function () {
  this.timeout(1_200_000);
  const dir = tempDir("crash");
  after(() => dir.cleanup());

  it("loses no acknowledged reading and never sends an attestation twice across 20+ kills", async () => {
    const r = await runCrashCampaign({
      ethers: connection.ethers,
      networkHelpers: connection.networkHelpers,
      provider: connection.provider,
      repo: REPO,
      dir: dir.dir,
      periods: PERIODS,
      killsPerPeriod: KILLS_PER_PERIOD,
    });
    expect(r.settled, "every period settled").to.deep.equal(Array(PERIODS).fill(true));
    expect(r.openAtEnd).to.equal(0);
    expect(r.kills).to.be.at.least(20);
    // The outbox steps were really hit: some lives died inside the send protocol.
    expect(r.selfKills).to.be.at.least(PERIODS);

    // Every period of both clusters accepted, with all 4 readings and the data's totals.
    for (const b of r.batches) {
      expect(b.accepted, `cluster ${b.clusterId} period ${b.period}`).to.equal(true);
      expect(b.leafCount).to.equal(4);
      expect(b.totalLoadWh).to.equal(b.dataLoadWh);
    }
    expect(r.batches).to.have.length(2 * PERIODS);
    // No acknowledged reading lost.
    expect(r.acked).to.equal(PERIODS * 8);
    expect(r.lost).to.deep.equal([]);
    expect(r.unfinished).to.equal(0);
    expect(r.integrity).to.equal("ok");
    // Node 0's attestation of every batch of both clusters sent once (it parents cluster 1 and neighbours
    // cluster 2), and no transaction wasted.
    expect(new Set(r.submissions).size).to.equal(r.submissions.length);
    expect(r.submissions).to.have.length(2 * PERIODS);
    expect(r.nonce).to.equal(2 * PERIODS);
  });
});
