import { expect } from "chai";
import hre from "hardhat";
import { Wallet } from "ethers";
import {
  ChainSchemaError,
  collectAbis,
  collectEnums,
  collectStructs,
  latestSources,
  schemaModule,
  type AstNode,
} from "../../plugins/chain-schema/generate.js";
import {
  abis,
  BATCH_HEADER,
  BatchStatus,
  contractAt,
  type ChainEnum,
  MeterKind,
  MeterStatus,
  UnknownEnumValueError,
} from "../../lib/chain/schema.js";
import { mondayOnOrBefore } from "../../lib/time.js";

const enumNode = (canonicalName: string, ...members: string[]): AstNode => ({
  nodeType: "EnumDefinition",
  canonicalName,
  members: members.map((name) => ({ name })),
});

const sources = {
  "project/contracts/A.sol": {
    ast: {
      nodeType: "SourceUnit",
      nodes: [
        enumNode("Level", "Low", "High"),
        { nodeType: "ContractDefinition", nodes: [enumNode("A.Phase", "Open", "Closed")] },
      ],
    },
  },
  "npm/@openzeppelin/contracts@5.3.0/utils/math/Math.sol": {
    ast: {
      nodeType: "SourceUnit",
      nodes: [{ nodeType: "ContractDefinition", nodes: [enumNode("Math.Rounding", "Floor")] }],
    },
  },
};
const isProject = (name: string) => name.startsWith("project/contracts/");

describe("chain schema generator (plugins/chain-schema)", () => {
  it("takes file- and contract-level enums of the project's sources, not of dependencies", () => {
    expect(Object.fromEntries(collectEnums(sources, isProject))).to.deep.equal({
      Level: ["Low", "High"],
      "A.Phase": ["Open", "Closed"],
    });
  });

  it("takes each source from the build that last compiled it, not from a stale build-info beside it", () => {
    const unit = (...enums: AstNode[]) => ({ ast: { nodeType: "SourceUnit", nodes: enums } });
    const iface = "project/contracts/I.sol";
    const loose = "project/contracts/Types.sol"; // file-level enum only: no artifact names a build-info
    // The newer build recompiled I.sol with a new enum; the older one (kept for an artifact it alone built)
    // holds I.sol as it was, and is listed last.
    const newer = {
      id: "b2",
      writtenAt: 2,
      sources: {
        [iface]: unit(enumNode("I.Status", "None", "Used")),
        [loose]: unit(enumNode("Kind", "A", "B")),
      },
    };
    const older = {
      id: "b1",
      writtenAt: 1,
      sources: { [iface]: unit(), [loose]: unit(enumNode("Kind", "A")) },
    };
    const picked = latestSources([newer, older], new Map([[iface, "b2"]]));
    expect(Object.fromEntries(collectEnums(picked, isProject))).to.deep.equal({
      "I.Status": ["None", "Used"],
      Kind: ["A", "B"],
    });
    // Ownership wins over age: an artifact that still names the older build-info gets that build's copy.
    const owned = latestSources([newer, older], new Map([[iface, "b1"]]));
    expect(Object.fromEntries(collectEnums(owned, isProject))).to.deep.equal({ Kind: ["A", "B"] });
  });

  it("takes every struct an ABI carries, nested ones and arrays of structs too", () => {
    const inner = { name: "x", type: "uint8", internalType: "enum A.Phase" };
    const abi = [
      {
        type: "function",
        name: "f",
        inputs: [
          {
            name: "items",
            type: "tuple[]",
            internalType: "struct A.Item[]",
            components: [
              { name: "id", type: "uint32", internalType: "uint32" },
              { name: "inner", type: "tuple", internalType: "struct A.Inner", components: [inner] },
            ],
          },
        ],
      },
    ];
    expect(Object.fromEntries(collectStructs([abi]))).to.deep.equal({
      "A.Item": [
        { name: "id", type: "uint32" },
        { name: "inner", type: "tuple" },
      ],
      "A.Inner": [{ name: "x", type: "uint8" }],
    });
  });

  it("refuses two contracts of the same name, and leaves out what has no ABI", () => {
    const fn = [{ type: "function", name: "f", inputs: [] }];
    expect(() =>
      collectAbis([
        { contractName: "A", sourceName: "contracts/A.sol", abi: fn },
        { contractName: "A", sourceName: "contracts/other/A.sol", abi: fn },
      ]),
    ).to.throw(ChainSchemaError, "contract A is defined in both contracts/A.sol and contracts/other/A.sol");
    const text = schemaModule(
      [
        { contractName: "A", sourceName: "contracts/A.sol", abi: fn },
        { contractName: "Lib", sourceName: "contracts/Lib.sol", abi: [] },
      ],
      sources,
      isProject,
    );
    expect(text).to.include('export type ContractName = "A";');
    expect(text).to.include("readonly A: typechain.A;");
    expect(text).not.to.include("Lib");
  });
});

describe("chain schema (lib/chain/schema.ts)", () => {
  it("converts between on-chain values and friendly names both ways", () => {
    const all: ChainEnum<string>[] = [BatchStatus, MeterKind, MeterStatus];
    for (const e of all) {
      e.names.forEach((name, i) => {
        expect(e.of(name)).to.equal(BigInt(i));
        expect(e.nameOf(BigInt(i))).to.equal(name);
        expect(e.isName(name)).to.equal(true);
      });
    }
    expect(BatchStatus.nameOf(BatchStatus.Accepted)).to.equal("accepted");
    expect(MeterKind.isName("battery")).to.equal(false);
    expect(() => MeterStatus.nameOf(MeterStatus.members.length)).to.throw(
      UnknownEnumValueError,
      "IClusterRegistry.MeterStatus has no value 5",
    );
  });

  it("carries the compiled ABIs and the batch header's components", async () => {
    for (const name of ["ClusterRegistry", "BatchLedger", "IBatchLedger"] as const) {
      expect(abis[name]).to.deep.equal((await hre.artifacts.readArtifact(name)).abi);
    }
    const digestOf = abis.BatchLedger.find((f) => f.name === "digestOf");
    expect(digestOf?.inputs?.[0]?.components?.map((c) => ({ name: c.name, type: c.type }))).to.deep.equal(
      BATCH_HEADER,
    );
  });

  it("speaks the deployed registry's enums", async () => {
    const { ethers, networkHelpers } = await hre.network.getOrCreate();
    const [utility, dgmd, node] = await ethers.getSigners();
    const epoch = mondayOnOrBefore(await networkHelpers.time.latest());
    const deployed = await ethers.deployContract("ClusterRegistry", [
      utility.address,
      dgmd.address,
      epoch,
      2,
    ]);
    const registry = contractAt("ClusterRegistry", await deployed.getAddress(), utility);
    await (await registry.addNode(node.address, 0, 0)).wait();
    await (await registry.createCluster(node.address, 0, 0)).wait();
    const meter = Wallet.createRandom().address;
    await (await registry.addMeter(1, meter, MeterKind.of("consumer"))).wait();
    const info = await registry.meterInfo(meter);
    expect([MeterKind.nameOf(info.kind), MeterStatus.nameOf(info.status)]).to.deep.equal([
      "consumer",
      "active",
    ]);
    await expect(
      registry.addMeter(1, Wallet.createRandom().address, MeterKind.None),
    ).to.be.revertedWithCustomError(registry, "InvalidMeterKind");
  });
});
