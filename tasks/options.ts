/** Option builders shared by the task definitions, so that one option reads the same in every task. */
import { CONTRACT_OPTIONS, ENV_KEYS, type ContractName } from "../lib/chain/contracts.js";

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

/** The acting account; `role` names who it should be ("the DGMD"). */
export function fromOption(role?: string) {
  return option("from", `Acting account${role ? ` (${role})` : ""}; default: the network's first account`);
}

export const jsonFlag = { name: "json", description: "Machine-readable JSON" } as const;
