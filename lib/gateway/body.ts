/**
 * The gateway's JSON body parser: plain JSON.parse (its `__proto__` keys are own data properties, not
 * prototypes), then one iterative walk that refuses what no reading body holds: nesting deeper than a
 * bulk array of signed readings, and the keys `__proto__`, `constructor` and `prototype`. Each refusal
 * names its cause; none can overflow the stack, however deep the body.
 */
import { GridShareError } from "../errors.js";

/** A bulk array > signed reading > reading > field: 3 levels of containers; one spare. */
export const MAX_BODY_DEPTH = 4;

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export type BodyErrorCode = "EMPTY_JSON_BODY" | "INVALID_JSON_BODY" | "BODY_TOO_DEEP" | "FORBIDDEN_KEY";

/** A body refused before any reading in it is looked at (HTTP 400). */
export class BodyError extends GridShareError {
  readonly statusCode = 400;
  constructor(code: BodyErrorCode, message: string) {
    super(code, message);
  }
}

/** Parse a request body; throws BodyError with the reason. */
export function parseBody(text: string): unknown {
  if (text.trim() === "") {
    throw new BodyError("EMPTY_JSON_BODY", "body is empty: send one signed reading or an array of them");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new BodyError("INVALID_JSON_BODY", `body is not valid JSON: ${why}`);
  }
  inspect(value);
  return value;
}

function inspect(root: unknown): void {
  const stack: { v: unknown; depth: number }[] = [{ v: root, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (typeof v !== "object" || v === null) continue;
    if (depth + 1 > MAX_BODY_DEPTH) {
      throw new BodyError(
        "BODY_TOO_DEEP",
        `body is nested more than ${MAX_BODY_DEPTH} levels deep: a reading body is an array of {reading, signature} objects at most`,
      );
    }
    if (Array.isArray(v)) {
      for (const x of v) stack.push({ v: x, depth: depth + 1 });
      continue;
    }
    for (const [k, x] of Object.entries(v)) {
      if (FORBIDDEN_KEYS.has(k)) {
        throw new BodyError(
          "FORBIDDEN_KEY",
          `key "${k}" is not allowed in a reading body: a signed reading has only "reading" and "signature", a reading only its 8 fields`,
        );
      }
      stack.push({ v: x, depth: depth + 1 });
    }
  }
}
