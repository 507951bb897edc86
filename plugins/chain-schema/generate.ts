/**
 * The chain schema module, as text, from compiled artifacts (ABIs) and the solc AST of the build-info
 * output (enums). Pure: `write.ts` does the reading and writing.
 */
import type { JsonFragment, JsonFragmentType } from "ethers";
import { GridShareError } from "../../lib/errors.js";

/** The parts of a Hardhat artifact the schema reads. */
export interface ArtifactInput {
  readonly contractName: string;
  readonly sourceName: string;
  readonly abi: readonly JsonFragment[];
}

/** The parts of a solc AST node the schema reads: enums sit at file level or inside a contract. */
export interface AstNode {
  readonly nodeType: string;
  readonly canonicalName?: string;
  readonly members?: readonly { readonly name: string }[];
  readonly nodes?: readonly AstNode[];
}

/** A source of the build-info output: `output.sources[inputSourceName]`. */
export interface SourceInput {
  readonly ast: AstNode;
}

export interface StructComponent {
  readonly name: string;
  readonly type: string;
}

/** The build output cannot give one unambiguous schema; the message says which contract or enum. */
export class ChainSchemaError extends GridShareError {
  constructor(problem: string) {
    super("CHAIN_SCHEMA", `chain schema: ${problem}`);
  }
}

/** One build-info output: its id and the sources it compiled. */
export interface BuildInfoInput {
  readonly id: string;
  /** When it was written: a later build-info has the later copy of a source both compiled. */
  readonly writtenAt: number;
  readonly sources: Readonly<Record<string, SourceInput>>;
}

/**
 * Each source's AST from the build that last compiled it. An incremental build leaves older build-infos in
 * place for the artifacts it did not recompile, and they can hold a stale copy of a shared file (an interface
 * compiled as a dependency before a member was added). So a source is taken from the build-info its own
 * artifacts name (`owners`: input source name -> build-info id); a source with no artifact of its own
 * (file-level enums only) from the newest build-info that has it.
 */
export function latestSources(
  buildInfos: readonly BuildInfoInput[],
  owners: ReadonlyMap<string, string>,
): Record<string, SourceInput> {
  const sources: Record<string, SourceInput> = {};
  const oldestFirst = [...buildInfos].sort((a, b) => a.writtenAt - b.writtenAt);
  for (const info of oldestFirst) {
    for (const [name, source] of Object.entries(info.sources)) {
      const owner = owners.get(name);
      if (owner === undefined || owner === info.id) sources[name] = source;
    }
  }
  return sources;
}

/** Enum canonical name (`IBatchLedger.BatchStatus`) -> member names in declaration order (index = value). */
export function collectEnums(
  sources: Readonly<Record<string, SourceInput>>,
  isProjectSource: (inputSourceName: string) => boolean,
): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  const visit = (node: AstNode) => {
    if (node.nodeType === "EnumDefinition" && node.canonicalName !== undefined) {
      enums.set(
        node.canonicalName,
        (node.members ?? []).map((m) => m.name),
      );
    } else if (node.nodeType === "SourceUnit" || node.nodeType === "ContractDefinition") {
      for (const child of node.nodes ?? []) visit(child);
    }
  };
  for (const [name, source] of Object.entries(sources)) if (isProjectSource(name)) visit(source.ast);
  return enums;
}

function structName(internalType: string | undefined): string | undefined {
  const m = /^struct ([\w.]+)(\[\d*\])*$/.exec(internalType ?? "");
  return m?.[1];
}

/** Struct canonical name -> its ABI components, from every parameter of every ABI that carries one. */
export function collectStructs(abis: Iterable<readonly JsonFragment[]>): Map<string, StructComponent[]> {
  const structs = new Map<string, StructComponent[]>();
  const visit = (p: JsonFragmentType) => {
    const name = structName(p.internalType);
    if (name !== undefined && p.components !== undefined) {
      structs.set(
        name,
        p.components.map((c) => ({ name: c.name ?? "", type: c.type ?? "" })),
      );
    }
    for (const c of p.components ?? []) visit(c);
  };
  for (const abi of abis)
    for (const f of abi) for (const p of [...(f.inputs ?? []), ...(f.outputs ?? [])]) visit(p);
  return structs;
}

/** Contract name -> ABI; names must be unique (the generated map and TypeChain's index key by name). */
export function collectAbis(artifacts: readonly ArtifactInput[]): Map<string, readonly JsonFragment[]> {
  const abis = new Map<string, readonly JsonFragment[]>();
  const seen = new Map<string, string>();
  for (const a of artifacts) {
    const other = seen.get(a.contractName);
    if (other !== undefined && other !== a.sourceName) {
      throw new ChainSchemaError(
        `contract ${a.contractName} is defined in both ${other} and ${a.sourceName}: rename one`,
      );
    }
    seen.set(a.contractName, a.sourceName);
    abis.set(a.contractName, a.abi);
  }
  return abis;
}

const sorted = <V>(m: ReadonlyMap<string, V>): [string, V][] =>
  [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const json = (v: unknown) => JSON.stringify(v, null, 2);
/** One ABI fragment per line: readable, a third of the size of indented JSON. */
const abiJson = (abi: readonly JsonFragment[]) =>
  `[\n    ${abi.map((f) => JSON.stringify(f)).join(",\n    ")},\n  ]`;

/** The module text: enums and structs `as const` (their names become types), ABIs as plain JSON. */
export function schemaModule(
  artifacts: readonly ArtifactInput[],
  sources: Readonly<Record<string, SourceInput>>,
  isProjectSource: (inputSourceName: string) => boolean,
): string {
  // Like TypeChain, skip what has no ABI (libraries of internal functions only): nothing to call or decode.
  const abis = collectAbis(artifacts.filter((a) => a.abi.length > 0));
  const enums = Object.fromEntries(sorted(collectEnums(sources, isProjectSource)));
  const structs = Object.fromEntries(sorted(collectStructs(abis.values())));
  const names = sorted(abis).map(([n]) => n);
  return [
    "/* Autogenerated by plugins/chain-schema on `hardhat build`, from the compiled artifacts. Do not edit. */",
    'import type { JsonFragment } from "ethers";',
    'import type * as typechain from "./ethers-contracts/index.js";',
    "",
    "/** Every Solidity enum of the project by canonical name: member names in declaration order (index = value). */",
    `export const enums = ${json(enums)} as const;`,
    "",
    "/** Every struct an ABI carries, by canonical name: its ABI components in order. */",
    `export const structs = ${json(structs)} as const;`,
    "",
    `export type ContractName = ${names.map((n) => json(n)).join(" | ") || "never"};`,
    "",
    "/** Every contract's ABI, as compiled. */",
    "export const abis: { readonly [N in ContractName]: readonly JsonFragment[] } = {",
    ...sorted(abis).map(([n, abi]) => `  ${n}: ${abiJson(abi)},`),
    "};",
    "",
    "/** The TypeChain type of each contract. */",
    "export interface Contracts {",
    ...names.map((n) => `  readonly ${n}: typechain.${n};`),
    "}",
    "",
  ].join("\n");
}
