/**
 * Every option parser of the operator surface (Hardhat tasks, the gateway and simulator CLIs, the demo): each
 * turns the text a person typed into a checked value, or refuses with an `InvalidArgumentError` that names the
 * option and says what is expected. Nothing here touches a chain.
 */
import { existsSync, readFileSync } from "node:fs";
import { getAddress, isAddress, isHexString, parseEther } from "ethers";
import { GridShareError, InvalidArgumentError, InvalidFileError } from "./errors.js";

export const UINT32_MAX = 0xffffffff;
export const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** `undefined` for an option left at its empty default, else the parsed value. */
export function parseOptional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined || value === "" ? undefined : parse(value);
}

/** A required option: refuses an empty (or blank) value with `problem`. */
export function parseRequired(option: string, value: string | undefined, problem = "is required"): string {
  if (value === undefined || value.trim() === "") throw new InvalidArgumentError(option, problem);
  return value;
}

/** An option left empty that needs a value: says what kind of value to give. */
function requiredValue(option: string, value: string | number | bigint, what: string): void {
  if (String(value).trim() === "") throw new InvalidArgumentError(option, `is required: give ${what}`);
}

/** An address (0x + 40 hex digits), checksummed. */
export function parseAddress(option: string, value: string): string {
  requiredValue(option, value, "an address (0x followed by 40 hex digits)");
  if (!isAddress(value))
    throw new InvalidArgumentError(option, `"${value}" is not an address (0x followed by 40 hex digits)`);
  return getAddress(value);
}

/** A list of addresses (a file's or the chain's), checksummed; the refusal names the entry. */
export function parseAddressList(option: string, list: readonly string[]): string[] {
  return list.map((a, i) => {
    if (!isAddress(a)) throw new InvalidArgumentError(option, `entry ${i} (${a}) is not an address`);
    return getAddress(a);
  });
}

/** A comma-separated list, entries trimmed, empty entries dropped. */
export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A whole number (decimal digits only) from `min` to `max`. */
export function parseWholeNumber(option: string, value: string | number, min = 0n, max = UINT64_MAX): bigint {
  const text = String(value).trim();
  const v = /^\d+$/.test(text) ? BigInt(text) : undefined;
  if (v === undefined || v < min || v > max) {
    // A bound nobody types (2^53 and beyond) is left out of the message.
    const unbounded = max >= BigInt(Number.MAX_SAFE_INTEGER);
    const range = unbounded ? (min > 0n ? ` of at least ${min}` : "") : ` from ${min} to ${max}`;
    requiredValue(option, text, `a whole number${range}`);
    throw new InvalidArgumentError(option, `"${value}" is not a whole number${range}`);
  }
  return v;
}

/** A whole number from `min` to `max` (at most 2^53 - 1), as a JS number. */
export function parseInteger(
  option: string,
  value: string | number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  return Number(parseWholeNumber(option, value, BigInt(min), BigInt(max)));
}

/** A uint32 (period, week, cluster id). */
export function parseUint32(option: string, value: string | number): number {
  return parseInteger(option, value, 0, UINT32_MAX);
}

/** A cluster id: 1, 2, ... (uint32). */
export function parseClusterId(option: string, value: string | number | bigint): number {
  requiredValue(option, value, "a cluster id (1, 2, ...)");
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > UINT32_MAX)
    throw new InvalidArgumentError(option, `"${value}" is not a cluster id (1, 2, ...)`);
  return Number(text);
}

/** A location coordinate: a signed 64-bit integer (e.g. metres east or north). */
export function parseCoordinate(option: string, value: string | number | bigint): bigint {
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    throw new InvalidArgumentError(option, `"${value}" is not an integer coordinate`);
  }
  if (v < INT64_MIN || v > INT64_MAX)
    throw new InvalidArgumentError(option, `${v} does not fit a signed 64-bit integer`);
  return v;
}

/** A non-zero 32-byte hex id (a certificate id), lower-case. */
export function parseCertId(option: string, value: string): string {
  if (!isHexString(value, 32) || BigInt(value) === 0n)
    throw new InvalidArgumentError(option, `"${value}" is not a non-zero 32-byte hex id`);
  return value.toLowerCase();
}

/** An amount of ether ("1000000", "0.5"), in wei. */
export function parseEtherAmount(option: string, value: string): bigint {
  try {
    return parseEther(value);
  } catch {
    throw new InvalidArgumentError(option, `${value} is not an ether amount`);
  }
}

/** A positive number of seconds (fractions allowed). */
export function parseSeconds(option: string, value: string): number {
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || v <= 0)
    throw new InvalidArgumentError(option, `${value} is not a number of seconds`);
  return v;
}

/** One of `choices`; `what` names the kind of value in the refusal ("meter kind"). */
export function parseChoice<C extends string>(
  option: string,
  value: string,
  choices: readonly C[],
  what: string,
): C {
  const found = choices.find((c) => c === value);
  if (found !== undefined) return found;
  const list =
    choices.length > 1 ? `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}` : choices[0];
  throw new InvalidArgumentError(option, `"${value}" is not a ${what}: use ${list}`);
}

/**
 * An http(s) base URL: no query, fragment or credentials (a service's address, to which request paths are
 * appended). `example` shows the expected form in the refusal.
 */
export function parseHttpUrl(option: string, value: string, example = "http://127.0.0.1:8080"): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(option, `"${value}" is not a URL (e.g. ${example})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError(option, `"${value}" is not an http(s) URL`);
  if (url.search || url.hash || url.username || url.password)
    throw new InvalidArgumentError(option, `"${value}": give the base URL only`);
  return url;
}

/** A file the option names must exist; `what` names it in the refusal ("key file"). */
export function parseExistingFile(file: string, what = "file"): string {
  if (!existsSync(file)) throw new InvalidFileError(file, `${what} not found`);
  return file;
}

/** A JSON file, parsed (its shape is the caller's to check). */
export function readJsonFile(file: string): unknown {
  parseExistingFile(file);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidFileError(file, `malformed JSON (${(e as Error).message})`);
  }
}

/**
 * Run a domain check on an option's value: its refusal (a `GridShareError` such as an out-of-range tolerance)
 * becomes a refusal of the option.
 */
export function checkOption<T>(option: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof GridShareError && !(e instanceof InvalidArgumentError))
      throw new InvalidArgumentError(option, e.message);
    throw e;
  }
}
