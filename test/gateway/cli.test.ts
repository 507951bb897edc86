/** The CLIs' argument parsing: every refusal names the argument; nothing starts on a bad argument. */
import { expect } from "chai";
import { InvalidArgumentError } from "../../lib/errors.js";
import { DEFAULT_PORT, USAGE as GATEWAY_USAGE, parseGatewayArgs } from "../../lib/gateway/cli.js";
import {
  USAGE as SIMULATE_USAGE,
  checkStartPeriod,
  meterList,
  parseSimulateArgs,
} from "../../lab/simulator/cli.js";
import { postReadings } from "../../lab/simulator/fleet.js";
import { meterWallet } from "../../lab/fixtures/demo-grid.js";

const KEY = "0x" + "ab".repeat(32);
const REG = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const base = ["--rpc", "http://127.0.0.1:8545", "--registry", REG, "--ledger", REG, "--db", "x.db"];

describe("gateway and simulator CLI arguments", () => {
  it("parses a full gateway command line, the key from the environment", () => {
    const a = parseGatewayArgs([...base, "--port", "8601", "--tick-ms", "100", "--grace", "600"], {
      GRIDSHARE_NODE_KEY: KEY,
    });
    expect(a).to.include({
      port: 8601,
      tickMs: 100,
      graceSeconds: 600,
      host: "127.0.0.1",
      nodeKey: KEY,
      registry: REG,
    });
  });

  const refusals: [string, string[], Record<string, string>, RegExp][] = [
    ["a missing --db", base.slice(0, 6), { GRIDSHARE_NODE_KEY: KEY }, /--db: is required/],
    ["a missing node key", base, {}, /GRIDSHARE_NODE_KEY/],
    ["a malformed node key", base, { GRIDSHARE_NODE_KEY: "0x12" }, /GRIDSHARE_NODE_KEY/],
    [
      "a bad registry address",
      [...base.slice(0, 2), "--registry", "0x12", ...base.slice(4)],
      { GRIDSHARE_NODE_KEY: KEY },
      /registry/,
    ],
    ["a port out of range", [...base, "--port", "70000"], { GRIDSHARE_NODE_KEY: KEY }, /--port/],
    [
      "a grace beyond the voting window",
      [...base, "--grace", "99999"],
      { GRIDSHARE_NODE_KEY: KEY },
      /--grace/,
    ],
  ];
  for (const [name, argv, env, msg] of refusals) {
    it(`gateway refuses ${name}`, () => {
      expect(() => parseGatewayArgs(argv, env)).to.throw(InvalidArgumentError, msg);
    });
  }

  it("parses simulator gateways, buildings and faults", () => {
    const a = parseSimulateArgs([
      "--rpc",
      "http://127.0.0.1:8545",
      "--registry",
      REG,
      "--gateway",
      `${REG}=http://127.0.0.1:8601`,
      "--buildings",
      "1-4",
      "--fast",
      "--tampered",
      "3",
      "--malformed",
    ]);
    expect(a.buildings).to.deep.equal([1, 2, 3, 4]);
    expect([...a.gateways]).to.deep.equal([[REG, "http://127.0.0.1:8601"]]);
    expect(a).to.include({ fast: true, tampered: 3, malformed: true, periods: 42 });
  });

  it("simulator refuses a gateway that is not <node>=<url>", () => {
    expect(() =>
      parseSimulateArgs(["--rpc", "http://x", "--registry", REG, "--gateway", "http://127.0.0.1:1"]),
    ).to.throw(InvalidArgumentError, /--gateway/);
  });

  describe("issue 17: usage that tells the truth", () => {
    const sim = ["--rpc", "http://x", "--registry", REG, "--gateway", `${REG}=http://127.0.0.1:8601`];
    const errorOf = (f: () => unknown): Error => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected a refusal");
    };

    it("gateway usage shows a real default port, and the gateway listens there by default", () => {
      expect(GATEWAY_USAGE).to.not.include("8545x");
      expect(GATEWAY_USAGE).to.include(`--port ${DEFAULT_PORT}`);
      expect(parseGatewayArgs(base, { GRIDSHARE_NODE_KEY: KEY }).port).to.equal(DEFAULT_PORT);
    });

    it("a refusal does not carry the usage (the script prints it once)", () => {
      const e = errorOf(() => parseGatewayArgs(base.slice(0, 6), { GRIDSHARE_NODE_KEY: KEY }));
      expect(e.message).to.not.include("usage:");
      const s = errorOf(() => parseSimulateArgs(["--rpc", "http://x"]));
      expect(s.message).to.not.include("usage:");
    });

    it("names the node key's environment variable as a variable, not as a flag", () => {
      const e = errorOf(() => parseGatewayArgs(base, {}));
      expect(e.message).to.include("GRIDSHARE_NODE_KEY");
      expect(e.message).to.not.include("--GRIDSHARE_NODE_KEY");
      expect(GATEWAY_USAGE).to.not.match(/--GRIDSHARE/);
    });

    it("simulator refuses a tampered or compromised building that is not played", () => {
      expect(() => parseSimulateArgs([...sim, "--tampered", "99"])).to.throw(
        InvalidArgumentError,
        /--tampered/,
      );
      expect(() => parseSimulateArgs([...sim, "--buildings", "1-4", "--compromised", "5"])).to.throw(
        InvalidArgumentError,
        /--compromised/,
      );
    });

    it("simulator refuses periods beyond the data year, and a far start without --fast", () => {
      expect(() => parseSimulateArgs([...sim, "--from-period", "99999"])).to.throw(
        InvalidArgumentError,
        /--from-period/,
      );
      expect(() => checkStartPeriod(500, 10, false)).to.throw(InvalidArgumentError, /--fast/);
      expect(() => checkStartPeriod(500, 10, true)).to.not.throw();
      expect(() => checkStartPeriod(9, 10, false)).to.not.throw();
    });

    it("simulator usage explains --tampered against --compromised", () => {
      expect(SIMULATE_USAGE).to.match(/--tampered[^\n]*\n?[^\n]*altered after signing/);
      expect(SIMULATE_USAGE).to.match(/--compromised[^\n]*\n?[^\n]*second, different/);
    });

    it("lists a seed's meter addresses without a chain", () => {
      const a = parseSimulateArgs(["--list-meters", "--seed", "s1", "--buildings", "1-2"]);
      expect(a.listMeters).to.equal(true);
      expect(meterList(a.seed, a.buildings)).to.deep.equal([
        { building: 1, meter: meterWallet("s1", 1).address },
        { building: 2, meter: meterWallet("s1", 2).address },
      ]);
    });

    it("an unreachable gateway is named in the error", async () => {
      let err: Error | undefined;
      try {
        await postReadings("http://127.0.0.1:9", {});
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).to.include("http://127.0.0.1:9");
      expect(err?.message).to.match(/unreachable/);
    });
  });
});
