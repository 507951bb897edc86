/**
 * Who acts: the utility (grid topology, deployment) and the DGMD (certificates, tariffs). Every network
 * configuration lists one account per role in this order, so a role names the same account everywhere: on the
 * in-process and `localhost` networks the deployment's accounts (ignition/modules/GridShare.ts), on `clique`
 * the keys in GRIDSHARE_UTILITY_KEY and GRIDSHARE_DGMD_KEY. Free of dependencies: the Hardhat config loads it.
 */
export const ROLES = ["utility", "dgmd"] as const;
export type Role = (typeof ROLES)[number];

/** The role's index in a network configuration's accounts. */
export const ROLE_ACCOUNT: Readonly<Record<Role, number>> = { utility: 0, dgmd: 1 };

/** The configuration variable (environment or Hardhat keystore) holding each role's key on `clique`. */
export const ROLE_KEY_VARIABLES: Readonly<Record<Role, string>> = {
  utility: "GRIDSHARE_UTILITY_KEY",
  dgmd: "GRIDSHARE_DGMD_KEY",
};

/** The utility's key variable before there was one per role; still read when the new one is not set. */
export const LEGACY_UTILITY_KEY_VARIABLE = "GRIDSHARE_OPERATOR_KEY";

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}
