/**
 * The chain's schema in TypeScript: the Solidity enums with their member names, the structs the ABIs carry
 * and every contract's ABI, all generated from the compiled artifacts by plugins/chain-schema (`hardhat build`
 * writes types/chain-schema.ts). Nothing here re-types what the contracts declare: a renamed member or a
 * reordered struct changes the generated module, and the type-check or the tests follow.
 */
import { Contract, type ContractRunner } from "ethers";
import { abis, enums, structs, type ContractName, type Contracts } from "../../types/chain-schema.js";
import { GridShareError } from "../errors.js";

export { abis, structs, type ContractName, type Contracts };

type EnumId = keyof typeof enums;
type MemberOf<E extends EnumId> = (typeof enums)[E][number];

/** The chain returned a value this build's enum does not have: the contracts are newer than the build. */
export class UnknownEnumValueError extends GridShareError {
  constructor(solidityName: string, value: bigint | number, members: readonly string[]) {
    super(
      "UNKNOWN_ENUM_VALUE",
      `${solidityName} has no value ${value} (members: ${members.join(", ")}): the deployed contracts are ` +
        "newer than this build; update and run `npx hardhat build`",
    );
  }
}

/**
 * A Solidity enum. `BatchStatus.Accepted` is the on-chain value (a bigint, as ethers returns it);
 * `BatchStatus.nameOf(v)` / `BatchStatus.of("accepted")` convert to and from the friendly name (the member
 * name, first letter lower-case), which is what the CLI, logs and JSON show.
 */
export interface ChainEnum<M extends string> {
  /** Canonical Solidity name, e.g. `IBatchLedger.BatchStatus`. */
  readonly solidityName: string;
  /** Solidity member names in declaration order: the index is the on-chain value. */
  readonly members: readonly M[];
  /** Friendly names, in the same order. */
  readonly names: readonly Uncapitalize<M>[];
  /** The friendly name of an on-chain value; throws `UnknownEnumValueError` for a value the enum lacks. */
  nameOf(value: bigint | number): Uncapitalize<M>;
  /** The on-chain value of a friendly name. */
  of(name: Uncapitalize<M>): bigint;
  isName(text: string): text is Uncapitalize<M>;
}

export type EnumValues<M extends string> = { readonly [K in M]: bigint };

/** The friendly names of a `ChainEnum` as a type: `EnumName<typeof MeterKind>` is `"none" | "consumer" | ...`. */
export type EnumName<E> = E extends ChainEnum<infer M> ? Uncapitalize<M> : never;

const uncapitalize = <M extends string>(m: M) => (m.charAt(0).toLowerCase() + m.slice(1)) as Uncapitalize<M>;

function chainEnum<E extends EnumId>(solidityName: E): ChainEnum<MemberOf<E>> & EnumValues<MemberOf<E>> {
  type M = MemberOf<E>;
  const members: readonly M[] = enums[solidityName];
  const names = members.map(uncapitalize);
  const helpers: ChainEnum<M> = {
    solidityName,
    members,
    names,
    nameOf(value) {
      const name = names[Number(value)];
      if (name === undefined) throw new UnknownEnumValueError(solidityName, value, members);
      return name;
    },
    of: (name) => BigInt(names.indexOf(name)),
    isName: (text): text is Uncapitalize<M> => (names as readonly string[]).includes(text),
  };
  // Members are PascalCase and helpers camelCase; a member spelled like a helper would hide it.
  const clash = members.find((m) => m in helpers);
  if (clash !== undefined) {
    throw new GridShareError("CHAIN_SCHEMA", `${solidityName}.${clash} hides a helper of the same name`);
  }
  const values = Object.fromEntries(members.map((m, i) => [m, BigInt(i)])) as EnumValues<M>;
  return Object.freeze({ ...values, ...helpers });
}

/**
 * The friendly name of a value of the enum `solidityName` (as an ABI's internal type `enum X.Y` names it), or
 * undefined when the build has no such enum or value.
 */
export function enumMemberName(solidityName: string, value: bigint | number): string | undefined {
  const members: readonly string[] | undefined = (enums as Record<string, readonly string[]>)[solidityName];
  const member = members?.[Number(value)];
  return member === undefined ? undefined : uncapitalize(member);
}

export const BatchStatus = chainEnum("IBatchLedger.BatchStatus");
export type BatchStatusName = EnumName<typeof BatchStatus>;

export const MeterKind = chainEnum("IClusterRegistry.MeterKind");
export type MeterKindName = EnumName<typeof MeterKind>;
/** A kind a meter is registered with: `none` is what the registry answers for a meter it does not know. */
export type RegisteredMeterKind = Exclude<MeterKindName, "none">;

export const MeterStatus = chainEnum("IClusterRegistry.MeterStatus");
export type MeterStatusName = EnumName<typeof MeterStatus>;

/** A certificate id's state (SPEC 8): unused, submitted, or cancelled by the DGMD before anyone submitted it. */
export const CertStatus = chainEnum("ICapacityCertificates.CertStatus");
export type CertStatusName = EnumName<typeof CertStatus>;

/** How a period's paid export is capped (SPEC 10, 11): `capacity` (the paper's rule) or `generation`. */
export const CurtailmentRule = chainEnum("ITariffSchedule.CurtailmentRule");
export type CurtailmentRuleName = EnumName<typeof CurtailmentRule>;

/** SPEC 6 batch header: IBatchLedger.BatchHeader's ABI components (`{ name, type }`), in order. */
export const BATCH_HEADER = structs["IBatchLedger.BatchHeader"];

/** A typed contract at `address` from its compiled ABI: lib/ needs TypeChain's types only, not its factories. */
export function contractAt<N extends ContractName>(
  name: N,
  address: string,
  runner: ContractRunner | null = null,
): Contracts[N] {
  return new Contract(address, abis[name], runner) as unknown as Contracts[N];
}
