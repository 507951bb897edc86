import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import { gridShareTasks } from "./tasks/index.js";
import { LEGACY_UTILITY_KEY_VARIABLE, ROLE_KEY_VARIABLES, ROLES, type Role } from "./lib/chain/roles.js";
import chainSchema from "./plugins/chain-schema/index.js";

const require = createRequire(import.meta.url);

/** solc-js from the npm `solc` package: compiling needs no download. */
const SOLC_VERSION = "0.8.28";
const SOLC_PATH = require.resolve("solc/soljson.js");

/** Clique stops at Gray Glacier (Shanghai makes the chain post-merge): no PUSH0, no MCOPY. */
const EVM_VERSION = "paris";

/**
 * One key per role on the Clique chain, in the roles' account order (lib/chain/roles.ts), each from the
 * environment or the Hardhat keystore. The utility's key was GRIDSHARE_OPERATOR_KEY: still read from the
 * environment when GRIDSHARE_UTILITY_KEY is not set there.
 */
const roleKey = (role: Role) =>
  configVariable(
    role === "utility" && !process.env[ROLE_KEY_VARIABLES.utility] && process.env[LEGACY_UTILITY_KEY_VARIABLE]
      ? LEGACY_UTILITY_KEY_VARIABLE
      : ROLE_KEY_VARIABLES[role],
  );

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
/**
 * Calls per invariant run: enough for a batch to open, be attested, reassigned, closed and finalized, and for
 * certificates, spares, revocations and proofs to interleave. (The billing invariants set their own, 6: each
 * call there plays a whole week.)
 */
const INVARIANT_DEPTH = 30;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, chainSchema],
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
        // `npx hardhat test solidity` (and `npm test`): every test, stateful invariants at a smoke-test size.
        default: { ...solidityTests, invariant: { runs: 32, depth: INVARIANT_DEPTH } },
        // `npm run test:invariants` (`--test-profile invariants --grep invariant_`): the ledger, billing and
        // certificate invariants at full size, each property run 10,000 times.
        invariants: { ...solidityTests, invariant: { runs: 10_000, depth: INVARIANT_DEPTH } },
      },
    },
  },
  networks: {
    clique: {
      type: "http",
      chainType: "l1",
      url: configVariable("GRIDSHARE_CLIQUE_URL"),
      accounts: ROLES.map(roleKey),
      // The EthereumJS devnet's eth_estimateGas returns the gas used, not the limit a call needs (no
      // binary search): calls into another contract run out of gas (63/64 rule) without a margin.
      gasMultiplier: 1.3,
    },
  },
});
