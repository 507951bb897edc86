/**
 * Every way a person can get a command wrong ends in one line, `error: <what is wrong>: <what to do>`, and
 * exit code 1: the tasks (the demo among them), the gateway and simulator CLIs and the devnet scripts; the
 * stack only when asked for; a task's --json run gets its error as JSON on stderr; a contract's refusal is
 * decoded with its values named.
 */
import { expect } from "chai";
import hre from "hardhat";
import { Interface, Wallet, ZeroHash, id } from "ethers";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { formatError } from "../../lib/cli.js";
import { abis } from "../../lib/chain/schema.js";
import { CONTRACT_NAMES } from "../../lib/chain/contracts.js";
import { REVERT_HINTS } from "../../lib/chain/revert.js";
import { GridShareError, InvalidArgumentError } from "../../lib/errors.js";
import { gridShareTasks } from "../../tasks/index.js";
import { captureTask } from "../helpers/tasks.js";
import { deployContracts } from "../helpers/deployment.js";
import { expectOneLineError, runHardhat, runScript, type CliRun } from "../helpers/cli.js";

const TASK_FORMAT = { debugHint: "--show-stack-traces" };
const ERRORS = new Interface(CONTRACT_NAMES.flatMap((n) => abis[n]).filter((f) => f.type === "error"));

/** A revert as the in-process network reports it (EDR's SolidityError carries the revert data). */
function edrRevert(name: string, args: readonly unknown[]): Error {
  const data = ERRORS.encodeErrorResult(name, args);
  return Object.assign(new Error(`VM Exception while processing transaction: reverted with custom error`), {
    name: "SolidityError",
    code: 3,
    data,
  });
}

describe("one-line errors", function () {
  this.timeout(240_000);

  describe("the formatter (lib/cli.ts)", () => {
    it("prints a refusal as one error line, its stack only when asked for", () => {
      const e = new InvalidArgumentError("bps", "1600 is out of range:\nchoose 1000..1500");
      expect(formatError(e, TASK_FORMAT)).to.equal("error: --bps: 1600 is out of range: choose 1000..1500");
      const withStack = formatError(e, { ...TASK_FORMAT, stack: true }).split("\n");
      expect(withStack[0]).to.equal("error: --bps: 1600 is out of range: choose 1000..1500");
      expect(withStack.slice(1).join("\n")).to.match(/^\s+at /m);
    });

    it("prints JSON for --json: code and message, the stack only when asked for", () => {
      const e = new GridShareError("NO_DEPLOYMENT", "no ClusterRegistry address: deploy first");
      expect(JSON.parse(formatError(e, { ...TASK_FORMAT, json: true }))).to.deep.equal({
        error: { code: "NO_DEPLOYMENT", message: "no ClusterRegistry address: deploy first" },
      });
      const withStack = JSON.parse(formatError(e, { ...TASK_FORMAT, json: true, stack: true })) as {
        error: { stack: string };
      };
      expect(withStack.error.stack).to.match(/at /);
    });

    it("decodes a contract's custom error with its values named, and says what to do", () => {
      expect(formatError(edrRevert("NoTariff", [0]), TASK_FORMAT)).to.equal(
        "error: the contract refused: NoTariff(week: 0): no tariff has been published yet, so week 0 cannot " +
          "be priced: the DGMD publishes each week's tariff before the week starts (dgmd:forecast --publish)",
      );
      // Enums by member name, roles by name, any other error with the default advice.
      expect(formatError(edrRevert("BatchAlreadyDecided", [3, 17, 2]), TASK_FORMAT)).to.equal(
        "error: the contract refused: BatchAlreadyDecided(clusterId: 3, period: 17, status: accepted): " +
          "nothing was changed; check the arguments against the chain's state",
      );
      const account = Wallet.createRandom().address;
      expect(
        formatError(edrRevert("AccessControlUnauthorizedAccount", [account, ZeroHash]), TASK_FORMAT),
      ).to.match(
        new RegExp(
          `neededRole: DEFAULT_ADMIN_ROLE \\(the utility\\)\\): act with the account that holds the role`,
        ),
      );
      expect(
        formatError(edrRevert("AccessControlUnauthorizedAccount", [account, id("DGMD_ROLE")]), TASK_FORMAT),
      ).to.include("neededRole: DGMD_ROLE (the DGMD)");
      const json = JSON.parse(formatError(edrRevert("NoTariff", [5]), { ...TASK_FORMAT, json: true })) as {
        error: { code: string; revert: unknown };
      };
      expect(json.error.code).to.equal("CONTRACT_REVERT");
      expect(json.error.revert).to.deep.equal({ error: "NoTariff", args: { week: "5" } });
    });

    it("names a revert it cannot decode, and one without data, without a stack", () => {
      const unknown = Object.assign(new Error("reverted"), { code: 3, data: "0xdeadbeef" });
      expect(formatError(unknown, TASK_FORMAT)).to.match(
        /^error: the contract refused with error data 0xdeadbeef/,
      );
      const bare = Object.assign(new Error("function selector was not recognized"), { code: 3, data: "0x" });
      expect(formatError(bare, TASK_FORMAT)).to.match(/^error: the contract refused without a reason: check/);
    });

    it("gives every hint to an error the contracts declare (a renamed error fails here)", () => {
      const declared = new Set<string>();
      ERRORS.forEachError((f) => declared.add(f.name));
      expect(Object.keys(REVERT_HINTS).filter((name) => !declared.has(name))).to.deep.equal([]);
    });

    it("reports anything else in one line, asking for the stack", () => {
      const line = formatError(new TypeError("Cannot read properties of undefined\n  more"), TASK_FORMAT);
      expect(line).to.equal(
        "error: Cannot read properties of undefined: unexpected, probably a bug: rerun with --show-stack-traces " +
          "and report it",
      );
    });
  });

  describe("every task, run in-process", () => {
    let registry: string;
    let ledger: string;
    let billing: string;
    let certificates: string;
    let dir: string;
    const someone = () => Wallet.createRandom().address;
    const meter = someone();

    before(async () => {
      // A registered meter, so that bill:quote reaches the tariff check (none published: refused before the quote).
      ({
        ClusterRegistry: registry,
        BatchLedger: ledger,
        Billing: billing,
        CapacityCertificates: certificates,
      } = await deployContracts(await hre.network.getOrCreate(), meter));
      dir = mkdtempSync(path.join(tmpdir(), "gridshare-errors-"));
      writeFileSync(path.join(dir, "no-proofs.json"), "[]");
    });

    /** One refusal per task: the user's own examples where they gave one. */
    const refusals = (): Array<[string, Record<string, unknown>, RegExp]> => [
      ["grid:deploy", { epoch: "2025-06-03" }, /--epoch: 2025-06-03 is a Tuesday: .* e\.g\. 2025-06-02$/],
      ["grid:node:add", { node: "0x123", registry }, /--node: "0x123" is not an address/],
      ["grid:cluster:create", { parent: someone(), registry }, /is not a registered node: add it first/],
      ["grid:meter:add", { cluster: "999", meter: "0x123", registry }, /--meter: "0x123" is not an address/],
      ["grid:meter:add", { cluster: "999", meter: someone(), registry }, /cluster 999 does not exist/],
      [
        "grid:meter:add",
        { cluster: "1", meter: someone(), kind: "alien", registry },
        /--kind: "alien" is not a meter kind: use consumer or prosumer/,
      ],
      ["grid:neighbours", { dryRun: true, registry: ledger }, /--registry: 0x\w+ is not a ClusterRegistry/],
      ["grid:meter:replace", { old: someone(), new: someone(), permit: " ", registry }, /--permit/],
      ["grid:evidence:appoint", { registry, evidence: ledger }, /--evidence: 0x\w+ is not a ReadingEvidence/],
      [
        "grid:show",
        { registry: ledger },
        /--registry: 0x\w+ is not a ClusterRegistry \(its code has no .*\): give the ClusterRegistry's address/,
      ],
      ["grid:genesis", { period: "x", out: path.join(dir, "net") }, /--period/],
      ["grid:signers:sync", { registry }, /--signer-urls: give the JSON-RPC URL of every signer/],
      [
        "dgmd:certify",
        { application: path.join(dir, "missing.json"), keyFile: path.join(dir, "no.key"), certificates },
        /no\.key: key file not found/,
      ],
      ["dgmd:revoke", { certificates }, /--cert-id: give exactly one of --cert-id or --meter/],
      ["dgmd:certificates", { meter: "0x123", certificates }, /--meter: "0x123" is not an address/],
      ["dgmd:reconfirm", { meter: "0x123", certificates }, /--meter: "0x123" is not an address/],
      ["dgmd:curtailment", { week: "x", rule: "generation" }, /--week: "x" is not a whole number/],
      ["batches:list", { cluster: "x" }, /--cluster: "x"/],
      ["batches:finalize", { cluster: "x", period: "1" }, /--cluster: "x"/],
      ["dgmd:tolerance", { bps: "1600", certificates }, /--bps: .*1600/],
      ["dgmd:record", { certId: "0x12", certificates }, /--cert-id: "0x12" is not a non-zero 32-byte hex id/],
      ["dgmd:forecast", { week: "x" }, /--week: "x" is not a whole number/],
      ["dgmd:tariffs", { tariffs: registry }, /--tariffs: 0x\w+ is not a TariffSchedule/],
      ["mes:show", { cluster: "1", period: "-5", billing }, /--period: "-5" is not a whole number/],
      [
        "bill:quote",
        { meter, week: "0", proofs: path.join(dir, "no-proofs.json"), billing },
        /no tariff has been published yet, so week 0 cannot be priced: the DGMD publishes one with dgmd:forecast --publish/,
      ],
      ["bill:settle", { meter: someone(), week: "x", billing }, /--week: "x" is not a whole number/],
      [
        "demo",
        { buildings: "13-17", quiet: true },
        /5 building\(s\) make fewer than 2 clusters of 4: choose at least 8/,
      ],
    ];

    it("covers every GridShare task", () => {
      const covered = new Set(refusals().map(([taskId]) => taskId));
      expect(gridShareTasks.map((t) => t.id.join(" ")).filter((t) => !covered.has(t))).to.deep.equal([]);
    });

    it("prints each task's refusal as one error line and fails the task", async () => {
      for (const [taskId, args, message] of refusals()) {
        const run = await captureTask(taskId, args);
        const label = `${taskId} ${JSON.stringify(args)}`;
        expect(run.error, label).to.be.instanceOf(GridShareError);
        expect(run.stderr, label).to.match(/^error: [^\n]+$/);
        expect(run.stderr, label).to.match(message);
        expect(run.stderr, label).to.not.match(/unexpected/);
      }
    });

    it("prints the refusal as JSON on stderr when the task runs with --json", async () => {
      const hasJson = new Set(
        gridShareTasks.filter((t) => "options" in t && "json" in t.options).map((t) => t.id.join(" ")),
      );
      const json = refusals().filter(([taskId]) => hasJson.has(taskId));
      expect(json.map(([taskId]) => taskId)).to.include.members([
        "grid:show",
        "mes:show",
        "bill:quote",
        "demo",
      ]);
      for (const [taskId, args, message] of json) {
        const run = await captureTask(taskId, { ...args, json: true });
        const printed = JSON.parse(run.stderr) as { error: { code: string; message: string } };
        expect(printed.error.code, taskId).to.equal(run.error?.code);
        expect(printed.error.message, taskId).to.match(message);
        expect(run.stdout, taskId).to.not.include("{");
      }
    });
  });

  describe("the real commands, spawned", () => {
    const runs = new Map<string, CliRun>();
    const empty = mkdtempSync(path.join(tmpdir(), "gridshare-nodevnet-"));

    before(async () => {
      // Spawning costs seconds: every command starts at once, the checks follow.
      const commands: Record<string, () => Promise<CliRun>> = {
        task: () => runHardhat(["dgmd:tolerance", "--bps", "1600"]),
        stack: () => runHardhat(["dgmd:tolerance", "--bps", "1600", "--show-stack-traces"]),
        json: () => runHardhat(["mes:show", "--cluster", "1", "--period", "-5", "--json"]),
        demo: () => runHardhat(["demo", "--buildings", "13-17"]),
        config: () => runHardhat(["grid:show", "--network", "clique"]),
        gateway: () => runScript("scripts/gateway.ts", ["--rpc", "http://127.0.0.1:1"]),
        gatewayDebug: () => runScript("scripts/gateway.ts", ["--nope"], { GRIDSHARE_DEBUG: "1" }),
        simulate: () => runScript("scripts/simulate.ts", ["--rpc", "http://127.0.0.1:1"]),
        chainUp: () => runScript("scripts/devnet/chain-up.ts", [], { GRIDSHARE_SIGNERS: "x" }),
        chainStatus: () => runScript("scripts/devnet/chain-status.ts", [], { GRIDSHARE_DEVNET_DIR: empty }),
        chainDown: () => runScript("scripts/devnet/chain-down.ts", [], { GRIDSHARE_DEVNET_DIR: empty }),
        chainMeasure: () => runScript("scripts/devnet/measure.ts", [], { GRIDSHARE_DEVNET_DIR: empty }),
      };
      const names = Object.keys(commands);
      const results = await Promise.all(names.map((n) => commands[n]!()));
      names.forEach((n, i) => runs.set(n, results[i]!));
    });

    it("a task's refusal: one line on stderr, exit code 1, nothing on stdout", () => {
      const run = runs.get("task")!;
      expectOneLineError(run, /^error: --bps: .*1600/);
      expect(run.stdout.trim()).to.equal("");
    });

    it("a task's refusal with --show-stack-traces: the line, then the stack", () => {
      const run = runs.get("stack")!;
      expect(run.code).to.equal(1);
      const [line, ...stack] = run.stderr.trimEnd().split("\n");
      expect(line).to.match(/^error: --bps: /);
      expect(stack.join("\n")).to.match(/^\s+at /m);
      expect(run.stderr).to.not.match(/unexpected/i);
    });

    it("a task run with --json: its error as JSON on stderr, exit code 1", () => {
      const run = runs.get("json")!;
      expect(run.code).to.equal(1);
      expect(JSON.parse(run.stderr)).to.deep.equal({
        error: {
          code: "INVALID_ARGUMENT",
          message: '--period: "-5" is not a whole number from 0 to 4294967295',
        },
      });
      expect(run.stdout.trim()).to.equal("");
    });

    it("the demo: its own refusal in one line", () => {
      expectOneLineError(
        runs.get("demo")!,
        /^error: --buildings: 5 building\(s\) make fewer than 2 clusters of 4: choose at least 8$/,
      );
    });

    it("a configuration variable that is not set (Hardhat HHE7): which, and how to set it", () => {
      expectOneLineError(
        runs.get("config")!,
        /^error: GRIDSHARE_CLIQUE_URL is not set: export GRIDSHARE_CLIQUE_URL=\.\.\. or store it with npx hardhat keystore set GRIDSHARE_CLIQUE_URL$/,
      );
    });

    it("the gateway CLI: a missing option in one line that says where the usage is", () => {
      expectOneLineError(
        runs.get("gateway")!,
        /^error: --registry: is required \(see npm run gateway -- --help\)$/,
      );
    });

    it("the gateway CLI with GRIDSHARE_DEBUG=1: the line, then the stack", () => {
      const run = runs.get("gatewayDebug")!;
      expect(run.code).to.equal(1);
      const [line, ...stack] = run.stderr.trimEnd().split("\n");
      expect(line).to.match(/^error: Unknown option '--nope'.*: see npm run gateway -- --help$/);
      expect(stack.join("\n")).to.match(/^\s+at /m);
    });

    it("the simulator CLI: one line", () => {
      expectOneLineError(
        runs.get("simulate")!,
        /^error: --registry: is required \(see npm run simulate -- --help\)$/,
      );
    });

    it("the devnet scripts: one line each", () => {
      expectOneLineError(runs.get("chainUp")!, /^error: GRIDSHARE_SIGNERS=x: expected a whole number >= 1$/);
      for (const name of ["chainStatus", "chainDown", "chainMeasure"]) {
        expectOneLineError(runs.get(name)!, /devnet\.json not found: run `npm run chain:up` first$/);
      }
    });
  });
});
