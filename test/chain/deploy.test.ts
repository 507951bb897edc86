/**
 * Deploying (grid:deploy: the epoch, the role accounts, Ignition's journal), a journal the chain no longer
 * matches (a restarted node), and who acts by default: the utility for grid:*, the DGMD for dgmd:*, on the
 * in-process network and on `clique` with one key per role.
 */
import { expect } from "chai";
import hre from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { HDNodeWallet, Wallet } from "ethers";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deployGridShare, parseEpoch, type IgnitionDeploy } from "../../lib/chain/deploy.js";
import {
  ChainRestartedError,
  deploymentFile,
  locateContract,
  requireContractCode,
} from "../../lib/chain/deployment.js";
import { CONTRACT_NAMES, type ContractName } from "../../lib/chain/contracts.js";
import { contractAt } from "../../lib/chain/schema.js";
import { openSession } from "../../lib/chain/session.js";
import { InvalidArgumentError } from "../../lib/errors.js";
import { mondayOnOrBefore } from "../../lib/time.js";
import { captureTask, runTask } from "../helpers/tasks.js";
import { expectOneLineError, REPO, runHardhat, type CliRun } from "../helpers/cli.js";
import { serveRpc } from "../../lab/fixtures/rpc-proxy.js";
import { deployContracts } from "../helpers/deployment.js";

const MONDAY = "2025-06-02";
const MONDAY_SECONDS = BigInt(Date.UTC(2025, 5, 2) / 1000);
const LOCALHOST = { name: "localhost", inProcess: false };

/** The deployment's contracts from grid:deploy's table. */
function addressesIn(output: string): Record<ContractName, string> {
  return Object.fromEntries(
    CONTRACT_NAMES.map((n) => [n, new RegExp(`^${n}\\s+(0x[0-9a-fA-F]{40})$`, "m").exec(output)?.[1]]),
  ) as Record<ContractName, string>;
}

/** A journal like Ignition's, recording `addresses` for GridShare's contracts. */
function writeJournal(file: string, addresses: Record<ContractName, string>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const entries = CONTRACT_NAMES.map((n) => [`GridShare#${n}`, addresses[n]]);
  writeFileSync(file, JSON.stringify(Object.fromEntries(entries)));
}

const nowhere = () =>
  Object.fromEntries(CONTRACT_NAMES.map((n) => [n, Wallet.createRandom().address])) as Record<
    ContractName,
    string
  >;

describe("grid:deploy, Ignition journals and acting roles", function () {
  this.timeout(240_000);

  it("takes an epoch that is a Monday 00:00 UTC, as a date or Unix seconds", () => {
    expect(parseEpoch("epoch", MONDAY)).to.equal(MONDAY_SECONDS);
    expect(parseEpoch("epoch", String(MONDAY_SECONDS))).to.equal(MONDAY_SECONDS);
    expect(() => parseEpoch("epoch", "2025-06-03")).to.throw(
      InvalidArgumentError,
      "--epoch: 2025-06-03 is a Tuesday: the epoch is a Monday 00:00 UTC (SPEC 3), e.g. 2025-06-02",
    );
    expect(() => parseEpoch("epoch", String(MONDAY_SECONDS + 3600n))).to.throw(
      /is not 00:00 UTC: .* 2025-06-02/,
    );
    expect(() => parseEpoch("epoch", "2025-02-30")).to.throw(/is not a date/);
    expect(() => parseEpoch("epoch", "monday")).to.throw(/is not a whole number/);
  });

  describe("on the in-process network", () => {
    let deployed: Record<ContractName, string>;
    let latest: bigint;

    before(async () => {
      const { networkHelpers } = await hre.network.getOrCreate();
      latest = BigInt(await networkHelpers.time.latest());
      const out = await runTask("grid:deploy", {});
      expect(out).to.match(/^GridShare deployed on chain 31337 \(network default\)$/m);
      expect(out).to.match(/the in-process network ends with this command/);
      deployed = addressesIn(out);
    });

    it("deploys with this week's Monday as the epoch and the network's utility and DGMD accounts", async () => {
      const { ethers } = await hre.network.getOrCreate();
      const [utility, dgmd] = await ethers.getSigners();
      const registry = contractAt("ClusterRegistry", deployed.ClusterRegistry, ethers.provider);
      expect(await registry.epoch()).to.equal(mondayOnOrBefore(latest));
      expect(await registry.hasRole(await registry.DEFAULT_ADMIN_ROLE(), utility.address)).to.equal(true);
      expect(await registry.isDgmd(dgmd.address)).to.equal(true);
      expect(await registry.isDgmd(utility.address)).to.equal(false);
      for (const name of CONTRACT_NAMES)
        expect(await ethers.provider.getCode(deployed[name])).to.not.equal("0x");
    });

    it("takes the epoch and the DGMD from its options", async () => {
      const dgmd = Wallet.createRandom().address;
      const out = await runTask("grid:deploy", { epoch: MONDAY, dgmd });
      expect(out).to.include(`DGMD    ${dgmd}`);
      const { ethers } = await hre.network.getOrCreate();
      const registry = contractAt("ClusterRegistry", addressesIn(out).ClusterRegistry, ethers.provider);
      expect(await registry.epoch()).to.equal(MONDAY_SECONDS);
      expect(await registry.isDgmd(dgmd)).to.equal(true);
    });

    it("grid:evidence:appoint lets the deployed ReadingEvidence mark meters, once", async () => {
      const { ethers } = await hre.network.getOrCreate();
      const registry = contractAt("ClusterRegistry", deployed.ClusterRegistry, ethers.provider);
      const role = await registry.EVIDENCE_ROLE();
      expect(await registry.hasRole(role, deployed.ReadingEvidence)).to.equal(false, "grid:deploy alone");
      const args = { registry: deployed.ClusterRegistry, evidence: deployed.ReadingEvidence };
      expect(await runTask("grid:evidence:appoint", args)).to.match(/appointed/);
      expect(await registry.hasRole(role, deployed.ReadingEvidence)).to.equal(true);
      expect(await runTask("grid:evidence:appoint", args)).to.match(/already holds the role: nothing sent/);
    });

    it("acts as the utility for grid:* and as the DGMD for dgmd:* unless --from says otherwise", async () => {
      const { ethers } = await hre.network.getOrCreate();
      const [, dgmd] = await ethers.getSigners();
      const registry = contractAt("ClusterRegistry", deployed.ClusterRegistry, ethers.provider);
      const node = Wallet.createRandom().address;
      await runTask("grid:node:add", { node, registry: deployed.ClusterRegistry });
      expect((await registry.nodeInfo(node)).registered).to.equal(true);

      const asDgmd = await captureTask("grid:node:add", {
        node: Wallet.createRandom().address,
        registry: deployed.ClusterRegistry,
        from: "dgmd",
      });
      expect(asDgmd.stderr).to.equal(
        `error: the contract refused: AccessControlUnauthorizedAccount(account: ${dgmd.address}, neededRole: ` +
          `DEFAULT_ADMIN_ROLE (the utility)): act with the account that holds the role (--from utility or ` +
          `--from dgmd; ${dgmd.address} does not)`,
      );

      const out = await runTask("dgmd:tolerance", {
        bps: "1200",
        certificates: deployed.CapacityCertificates,
      });
      expect(out).to.match(/1200/);
      const certs = contractAt("CapacityCertificates", deployed.CapacityCertificates, ethers.provider);
      // A new tolerance applies from the next period on (SPEC 8).
      expect(await certs.toleranceAt((await registry.currentPeriod()) + 1n)).to.equal(1200n);

      const nobody = await captureTask("dgmd:tolerance", { bps: "1300", from: "nobody" });
      expect(nobody.stderr).to.equal(
        'error: --from: "nobody" is neither an address nor a role (utility, dgmd)',
      );
    });
  });

  describe("a journal the chain does not match", () => {
    let root: string;
    let deployed: Record<ContractName, string>;

    before(async () => {
      root = mkdtempSync(path.join(tmpdir(), "gridshare-journal-"));
      deployed = await deployContracts(await hre.network.getOrCreate());
    });

    after(() => rmSync(root, { recursive: true, force: true }));

    it("says the chain was restarted when the journal's addresses hold no code", () => {
      const chainId = 31337n;
      const addresses = nowhere();
      writeJournal(deploymentFile(chainId, root), addresses);
      const located = locateContract("ClusterRegistry", chainId, undefined, LOCALHOST, root);
      expect(located.address).to.equal(addresses.ClusterRegistry);
      expect(() => requireContractCode(located, "0x", LOCALHOST))
        .to.throw(ChainRestartedError)
        .with.property("message")
        .that.matches(
          new RegExp(
            `records ClusterRegistry at ${addresses.ClusterRegistry}, but the chain has no code there: the chain ` +
              "was restarted after that deployment: deploy again \\(npx hardhat grid:deploy --network localhost --reset\\)$",
          ),
        );
      expect(() => requireContractCode(located, "0x", { name: "default", inProcess: true })).to.throw(
        /the in-process network starts empty on every run: start a node \(npx hardhat node\)/,
      );
    });

    it("refuses another contract's code in the words of where the address came from", async () => {
      const { ethers } = await hre.network.getOrCreate();
      const ledgerCode = await ethers.provider.getCode(deployed.BatchLedger);
      const located = locateContract("ClusterRegistry", 31337n, deployed.BatchLedger, LOCALHOST, root);
      expect(() => requireContractCode(located, ledgerCode, LOCALHOST)).to.throw(
        InvalidArgumentError,
        `--registry: ${deployed.BatchLedger} is not a ClusterRegistry (its code has no`,
      );
      const registryCode = await ethers.provider.getCode(deployed.ClusterRegistry);
      expect(() => requireContractCode(located, registryCode, LOCALHOST)).to.not.throw();
    });

    it("grid:deploy refuses a stale journal, deploys anew with --reset, and reuses a live one", async () => {
      const connection = await hre.network.getOrCreate();
      const s = await openSession(connection.ethers, "utility", LOCALHOST);
      let sent = 0;
      const deploy: IgnitionDeploy = async (parameters, sender) => {
        sent++;
        expect(sender).to.equal(s.signer.address);
        expect(parameters.dgmd).to.equal((await connection.ethers.getSigners())[1]!.address);
        return deployed;
      };
      const file = deploymentFile(s.chainId, root);
      writeJournal(file, nowhere());
      const stale = await deployGridShare(s, connection.ethers, { reset: false }, deploy, root).catch(
        (e: Error) => e,
      );
      expect((stale as Error).message).to.match(
        /records contracts the chain has no code for: .* deploy anew with --reset/,
      );
      expect(sent).to.equal(0);

      const fresh = await deployGridShare(s, connection.ethers, { reset: true }, deploy, root);
      expect(existsSync(file)).to.equal(false);
      expect(fresh).to.include({ reused: false });
      expect(sent).to.equal(1);

      writeJournal(file, deployed);
      const again = await deployGridShare(s, connection.ethers, { reset: false }, deploy, root);
      expect(again).to.include({ reused: true });
      expect(again.contracts).to.deep.equal(deployed);
      expect(sent).to.equal(1);
    });
  });

  describe("the real CLI on a chain served over JSON-RPC (network clique, one key per role)", () => {
    const CHAIN_ID = 31_338_014;
    const journal = deploymentFile(BigInt(CHAIN_ID));
    const runs = new Map<string, CliRun>();
    const node = Wallet.createRandom().address;
    const meter = Wallet.createRandom().address;
    let deployed: Record<ContractName, string>;
    let chain: NetworkConnection<"generic">;
    let closeRpc: () => Promise<void>;

    before(async () => {
      chain = await hre.network.create({ override: { chainId: CHAIN_ID } });
      deployed = await deployContracts(chain, meter);
      const rpc = await serveRpc(chain.provider);
      closeRpc = () => rpc.app.close();
      // The in-process network's accounts 0 and 1 (Hardhat's default mnemonic): the utility and the DGMD.
      const key = (i: number) =>
        HDNodeWallet.fromPhrase(
          "test test test test test test test test test test test junk",
          undefined,
          `m/44'/60'/0'/0/${i}`,
        ).privateKey;
      const [utility, dgmd] = await chain.ethers.getSigners();
      expect(new Wallet(key(0)).address).to.equal(utility!.address);
      expect(new Wallet(key(1)).address).to.equal(dgmd!.address);
      const clique = {
        GRIDSHARE_CLIQUE_URL: rpc.url,
        GRIDSHARE_UTILITY_KEY: key(0),
        GRIDSHARE_DGMD_KEY: key(1),
      };
      writeJournal(journal, nowhere());

      const net = ["--network", "clique"];
      const commands: Record<string, () => Promise<CliRun>> = {
        // The DGMD's key on a utility-only call: bill:quote's NoTariff is now refused before the quote.
        decoded: () =>
          runHardhat(["grid:node:add", ...net, "--node", Wallet.createRandom().address, "--from", "dgmd"], {
            ...clique,
            GRIDSHARE_REGISTRY: deployed.ClusterRegistry,
          }),
        restarted: () => runHardhat(["grid:show", ...net], clique),
        dgmd: () =>
          runHardhat(["dgmd:tolerance", ...net, "--bps", "1200"], {
            ...clique,
            GRIDSHARE_CERTIFICATES: deployed.CapacityCertificates,
          }),
        // The utility's key under its former name still works.
        utility: () =>
          runHardhat(["grid:node:add", ...net, "--node", node], {
            GRIDSHARE_CLIQUE_URL: rpc.url,
            GRIDSHARE_OPERATOR_KEY: key(0),
            GRIDSHARE_DGMD_KEY: key(1),
            GRIDSHARE_REGISTRY: deployed.ClusterRegistry,
          }),
      };
      const names = Object.keys(commands);
      const results = await Promise.all(names.map((n) => commands[n]!()));
      names.forEach((n, i) => runs.set(n, results[i]!));
    });

    after(async () => {
      rmSync(path.dirname(journal), { recursive: true, force: true });
      await closeRpc?.();
    });

    it("decodes a contract's refusal into the one line", () => {
      expectOneLineError(
        runs.get("decoded")!,
        /^error: the contract refused: AccessControlUnauthorizedAccount\(account: 0x\w+, neededRole: DEFAULT_ADMIN_ROLE \(the utility\)\): act with the account that holds the role \(--from utility or --from dgmd; 0x\w+ does not\)$/,
      );
    });

    it("says that the chain was restarted when the Ignition journal's addresses hold no code", () => {
      expectOneLineError(
        runs.get("restarted")!,
        /^error: ignition\/deployments\/chain-31338014 records ClusterRegistry at 0x\w+, but the chain has no code there: the chain was restarted after that deployment: deploy again \(npx hardhat grid:deploy --network clique --reset\)$/,
      );
    });

    it("acts as the DGMD's key for dgmd:* and the utility's for grid:* without --from", async () => {
      for (const name of ["dgmd", "utility"])
        expect(runs.get(name)!.code, runs.get(name)!.stderr).to.equal(0);
      const certs = contractAt("CapacityCertificates", deployed.CapacityCertificates, chain.ethers.provider);
      const registry = contractAt("ClusterRegistry", deployed.ClusterRegistry, chain.ethers.provider);
      // A new tolerance applies from the next period on (SPEC 8).
      expect(await certs.toleranceAt((await registry.currentPeriod()) + 1n)).to.equal(1200n);
      expect((await registry.nodeInfo(node)).registered).to.equal(true);
    });
  });
});
