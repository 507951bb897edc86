/** Option builders shared by the task definitions, so that one option reads the same in every task. */
import { CONTRACT_OPTIONS, ENV_KEYS, type ContractName } from "../lib/chain/contracts.js";
import { ROLES, type Role } from "../lib/chain/roles.js";

/** A string option; "" (the default unless given) means "not given". */
export function option<N extends string>(name: N, description: string, defaultValue = "") {
  return { name, description, defaultValue };
}

/** The address option of a GridShare contract (`--registry`, `--certificates`...); `purpose` says what for. */
export function contractOption<C extends ContractName>(contract: C, purpose = "address") {
  return option(
    CONTRACT_OPTIONS[contract],
    `${contract} ${purpose} (default: ${ENV_KEYS[contract]} or the Ignition deployment)`,
  );
}

/** The acting account, by default the `role` the task needs (the network configuration's account for it). */
export function fromOption(role: Role) {
  return option("from", `Acting account: an address or a role (${ROLES.join(", ")})`, role);
}

export const jsonFlag = { name: "json", description: "Machine-readable JSON" } as const;
