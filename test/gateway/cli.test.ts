/** The CLIs' argument parsing: every refusal names the argument; nothing starts on a bad argument. */
import { expect } from "chai";
import { InvalidArgumentError } from "../../lib/errors.js";
import { parseGatewayArgs } from "../../lib/gateway/cli.js";
import { parseSimulateArgs } from "../../lab/simulator/cli.js";

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
});
