import path from "node:path";
import { fileURLToPath } from "node:url";
import { GridShareError } from "../errors.js";

/** Repository root, devnet folder and the EthereumJS CLI (patched at install by patch-package). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DEVNET_DIR = process.env.GRIDSHARE_DEVNET_DIR ?? path.join(ROOT, ".devnet");
export const CLIENT_CLI = path.join(ROOT, "node_modules/@ethereumjs/client/dist/esm/bin/cli.js");

/** Integer of at least `min` from the environment, or the default. */
export function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new GridShareError("INVALID_ENV", `${name}=${raw}: expected a whole number >= ${min}`);
  return value;
}
