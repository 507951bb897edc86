import { expect } from "chai";
import hre from "hardhat";
import { runTask as run } from "../helpers/tasks.js";
import { deployGrid, RANKED, type Grid } from "../../lab/fixtures/grid.js";
import { header } from "../../lab/fixtures/batches.js";
import { attestAndSubmit } from "../../lab/fixtures/attestations.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";
import { BatchStatus } from "../../lib/chain/schema.js";
import type { BatchList, BatchRecord } from "../../lib/batches/ops.js";

describe("batches:* operator tasks", () => {
  let grid: Grid;
  let ledger: string;
  /** The period whose batches the test plays; S + 1 the next. */
  let S: number;
  let blockNumber: () => Promise<number>;

  const list = async (args: Record<string, unknown>) =>
    JSON.parse(
      await run("batches:list", { cluster: "", fromPeriod: "", toPeriod: "", ledger, json: true, ...args }),
    ) as BatchList;
  const finalize = (args: Record<string, unknown>) =>
    run("batches:finalize", {
      cluster: "",
      period: "",
      fromPeriod: "",
      toPeriod: "",
      due: false,
      ledger,
      from: "",
      ...args,
    });
  const finalized = async (args: Record<string, unknown>) => {
    const out = await finalize(args);
    const rows = out.split("\n").filter((l) => /^\s*\d+\s+\d+\s+(no vote|pending)/.test(l));
    return rows.map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number) as [number, number]);
  };
  const byKey = (l: BatchList) => new Map(l.batches.map((b) => [`${b.clusterId}:${b.period}`, b]));

  before(async () => {
    const { ethers, networkHelpers } = await hre.network.getOrCreate();
    // Three clusters, each voted by its parent and the two other parents (SPEC 2's ranking: both; majority 2 of 3).
    grid = await deployGrid(ethers, networkHelpers, {
      locations: [
        [0, 0],
        [500, 0],
        [1_000, 0],
      ],
      neighbours: RANKED,
      metersPerCluster: 2,
    });
    ledger = await grid.ledger.getAddress();
    blockNumber = () => ethers.provider.getBlockNumber();
    S = (await grid.currentPeriod()) + 1;
    await grid.warpToPeriod(S + 1);
    const [p1, a1, b1] = grid.votersOf(1);
    const alone = (h: ReturnType<typeof header>, node: (typeof grid.nodes)[number]) =>
      attestAndSubmit(grid, h, [node], node);
    // Cluster 1, S: accepted 2 of 3; the third voter attests another digest afterwards and is charged a fault.
    await attestAndSubmit(grid, header(1, S), [p1!, a1!]);
    await alone(header(1, S, 1), b1!);
    // Cluster 2, S: only the parent attested (its neighbours never got the readings): pending.
    await alone(header(2, S), grid.votersOf(2)[0]!);
    // Cluster 3, S: nobody submitted anything.
    await grid.warpToPeriod(S + 2);
    // Cluster 1, S + 1: three voters, three digests: no majority is possible any more, but the window is open.
    await alone(header(1, S + 1), p1!);
    await alone(header(1, S + 1, 1), a1!);
    await alone(header(1, S + 1, 2), b1!);
    // Cluster 2, S + 1: the parent attested; the neighbours still have the rest of period S + 2 to attest.
    await alone(header(2, S + 1), grid.votersOf(2)[0]!);
  });

  it("lists status, votes and faults, and marks the abandoned batches", async () => {
    const l = await list({ fromPeriod: String(S), toPeriod: String(S + 1) });
    expect(l.currentPeriod).to.equal(S + 2);
    expect(l.batches).to.have.length(6);
    const b = byKey(l);
    const pick = (k: string) => {
      const r = b.get(k)!;
      return {
        status: r.status,
        voters: r.voters,
        votes: r.votes,
        forAccepted: r.forAccepted,
        faults: r.faults,
        due: r.due,
      };
    };
    expect(pick(`1:${S}`)).to.deep.equal({
      status: "accepted",
      voters: 3,
      votes: 3,
      forAccepted: 2,
      faults: 1,
      due: false,
    });
    expect(b.get(`1:${S}`)).to.deep.include({
      leafCount: 4,
      totalLoadWh: "12000",
      totalGenerationWh: "15000",
    });
    expect(pick(`2:${S}`)).to.deep.include({
      status: "pending",
      votes: 1,
      voters: 3,
      forAccepted: null,
      due: true,
    });
    // Nobody attested: the batch counts against the cluster's current voter set.
    expect(pick(`3:${S}`)).to.deep.include({ status: "none", votes: 0, voters: 3, due: true });
    // Deadlocked, but finalized only once its window closed (SPEC 6: no majority by the end of the next period).
    expect(pick(`1:${S + 1}`)).to.deep.include({ status: "pending", votes: 3, faults: 0, due: false });
    expect(pick(`2:${S + 1}`)).to.deep.include({ status: "pending", votes: 1, due: false });
    const charged = l.nodeFaults.find((n) => n.node === grid.votersOf(1)[2].address);
    expect(charged?.faults).to.equal(1);

    const table = await run("batches:list", {
      cluster: "1",
      fromPeriod: String(S),
      toPeriod: String(S + 1),
      ledger,
      json: false,
    });
    expect(table).to.match(new RegExp(`^\\s*1\\s+${S}\\s+accepted\\s+3/3\\s+2\\s+1\\s`, "m"));
    expect(table).to.match(new RegExp(`^\\s*1\\s+${S + 1}\\s+pending\\s+3/3\\s+-\\s+0(\\s+-){4}$`, "m"));
    expect(table).to.match(/2 batch\(es\): 1 accepted, 0 disputed, 1 pending, 0 with no vote; 0 abandoned/);
  });

  it("defaults to every cluster from the first period of the previous week to the last ended one", async () => {
    const l = await list({});
    expect(l.toPeriod).to.equal(S + 1);
    expect(l.fromPeriod).to.equal(Math.max(0, (Math.floor((S + 2) / 42) - 1) * 42));
    expect(new Set(l.batches.map((r: BatchRecord) => r.clusterId))).to.deep.equal(new Set([1, 2, 3]));
  });

  it("refuses a bad request with a one-line error and sends nothing", async () => {
    const before = await blockNumber();
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["batches:list", { cluster: "0" }, /--cluster: "0" is not a cluster id/],
      ["batches:list", { cluster: "9" }, /--cluster: cluster 9 does not exist \(clusters: 1..3\)/],
      ["batches:list", { fromPeriod: "5", toPeriod: "3" }, /--to-period: 3 is before --from-period 5/],
      [
        "batches:list",
        { fromPeriod: "0", toPeriod: "999999" },
        /--to-period: 1000000 periods is more than 546/,
      ],
      [
        "batches:list",
        { toPeriod: String(S + 2) },
        new RegExp(`period ${S + 2} has not ended \\(current period ${S + 2}\\)`),
      ],
      ["batches:list", { fromPeriod: "-1" }, /--from-period: "-1" is not a whole number/],
      ["batches:finalize", {}, /say what to finalize: --period P, --from-period A --to-period B, or --due/],
      ["batches:finalize", { cluster: "1", period: String(S), due: true }, /--period: give one batch/],
      ["batches:finalize", { period: String(S) }, /--cluster: is required \(or --due, for every cluster\)/],
      ["batches:finalize", { cluster: "9", period: String(S) }, /cluster 9 does not exist/],
      [
        "batches:finalize",
        { cluster: "1", period: String(S) },
        new RegExp(`cluster 1 period ${S} is accepted already: nothing to finalize`),
      ],
      [
        "batches:finalize",
        { cluster: "2", period: String(S + 1) },
        new RegExp(
          `cluster 2 period ${S + 1} is pending and may still reach a majority: its voting runs through period ${S + 2} .*finalize from period ${S + 3} on`,
        ),
      ],
    ];
    for (const [id, args, message] of cases) {
      const runner = id === "batches:list" ? list : finalize;
      const err = await runner(args).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `${id} ${JSON.stringify(args)}`).to.be.instanceOf(GridShareError);
      expect((err as Error).message, id).to.match(message);
      expect((err as Error).message).to.not.include("\n");
    }
    const argErr = await finalize({}).catch((e: unknown) => e);
    expect(argErr).to.be.instanceOf(InvalidArgumentError);
    expect(await blockNumber()).to.equal(before, "no transaction may be sent on a refusal");
  });

  it("finalizes one batch, a cluster's range, then everything due once the next windows closed", async () => {
    expect(await finalized({ cluster: "2", period: String(S) })).to.deep.equal([[2, S]]);
    // The accepted batch of the range is left alone; the deadlocked one's window is still open.
    expect(await finalize({ cluster: "1", fromPeriod: String(S), toPeriod: String(S + 1) })).to.match(
      /nothing to finalize/,
    );
    expect(await finalized({ due: true, fromPeriod: String(S), toPeriod: String(S + 1) })).to.deep.equal([
      [3, S],
    ]);
    await grid.warpToPeriod(S + 3);
    expect(await finalized({ due: true, fromPeriod: String(S), toPeriod: String(S + 1) })).to.deep.equal([
      [1, S + 1],
      [2, S + 1],
      [3, S + 1],
    ]);
    expect(await finalize({ due: true, fromPeriod: String(S), toPeriod: String(S + 1) })).to.match(
      /nothing to finalize/,
    );
    for (const [c, p] of [
      [2, S],
      [1, S + 1],
      [3, S],
      [2, S + 1],
    ]) {
      expect((await grid.ledger.batchOf(c, p)).status, `${c}:${p}`).to.equal(BatchStatus.Disputed);
    }
    expect((await grid.ledger.batchOf(1, S)).status).to.equal(BatchStatus.Accepted);
    const l = byKey(await list({ fromPeriod: String(S), toPeriod: String(S + 1) }));
    expect(l.get(`2:${S}`)).to.deep.include({ status: "disputed", due: false, faults: 0 });
    expect(l.get(`1:${S + 1}`)).to.deep.include({ status: "disputed", votes: 3, due: false });
  });
});
