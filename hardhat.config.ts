import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { gridShareTasks } from "./tasks/index.js";

const require = createRequire(import.meta.url);

/** solc-js from the npm `solc` package: compiling needs no download. */
const SOLC_VERSION = "0.8.28";
const SOLC_PATH = require.resolve("solc/soljson.js");

/** Clique stops at Gray Glacier (Shanghai makes the chain post-merge): no PUSH0, no MCOPY. */
const EVM_VERSION = "paris";

const compiler = (runs: number) => ({
  version: SOLC_VERSION,
  path: SOLC_PATH,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs },
  },
});

/** Solidity test settings shared by every profile. */
const solidityTests = {
  fuzz: { runs: 1000 },
  fsPermissions: { readFile: ["./test/vectors"], readDirectory: ["./test/vectors"] },
};
/** Calls per invariant run: enough for certificates, spares, revocations and proofs to interleave. */
const INVARIANT_DEPTH = 25;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: gridShareTasks,
  solidity: {
    profiles: {
      default: compiler(200),
      production: compiler(10_000),
    },
  },
  paths: {
    tests: { mocha: "test", solidity: "test" },
  },
  test: {
    solidity: {
      profiles: {
        // `npx hardhat test solidity`: every test, stateful invariants at a smoke-test size.
        default: { ...solidityTests, invariant: { runs: 32, depth: INVARIANT_DEPTH } },
        // `npm run test:invariants`: the stateful invariants at full size, each property run 10,000 times.
        invariants: { ...solidityTests, invariant: { runs: 10_000, depth: INVARIANT_DEPTH } },
      },
    },
  },
  networks: {
    clique: {
      type: "http",
      chainType: "l1",
      url: configVariable("GRIDSHARE_CLIQUE_URL"),
      accounts: [configVariable("GRIDSHARE_OPERATOR_KEY")],
      // The EthereumJS devnet's eth_estimateGas returns the gas used, not the limit a call needs (no
      // binary search): calls into another contract run out of gas (63/64 rule) without a margin.
      gasMultiplier: 1.3,
    },
  },
});
