/**
 * Malformed bodies from a property-based generator (fast-check): random JSON and text, valid signed
 * readings with one field replaced by anything, forbidden keys, truncated JSON, deep nesting, and bulk
 * arrays mixing all of these with valid readings. And the property every answer must have: no 5xx, and
 * a bulk answer reports every item (or none was taken).
 */
import fc from "fast-check";
import { READING_TYPES, type SignedReadingJson } from "../../lib/batches/reading.js";

const FIELDS = (READING_TYPES.Reading ?? []).map((f) => f.name);

/** A valid signed reading with one field (of the reading or the envelope) replaced by any JSON value. */
function mutated(valid: readonly SignedReadingJson[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.constantFrom(...valid),
      fc.constantFrom<string>(...FIELDS, "signature", "reading"),
      fc.jsonValue({ maxDepth: 3 }),
    )
    .map(([v, field, value]) =>
      field === "signature" || field === "reading"
        ? { ...v, [field]: value }
        : { ...v, reading: { ...v.reading, [field]: value } },
    );
}

/** A valid signed reading with an extra key, forbidden ones included. */
function extraKey(valid: readonly SignedReadingJson[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...valid),
      fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "", "extra"), fc.string()),
      fc.jsonValue({ maxDepth: 2 }),
      fc.boolean(),
    )
    .map(([v, key, value, inner]) => {
      const k = JSON.stringify(key);
      const x = JSON.stringify(value) ?? "null";
      const text = JSON.stringify(inner ? v.reading : v);
      const patched = `{${k}:${x},${text.slice(1)}`;
      return inner ? JSON.stringify({ ...v, reading: "@" }).replace('"@"', patched) : patched;
    });
}

function deep(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: 4, max: 20_000 }), fc.constantFrom("[", '{"a":'))
    .map(([n, open]) => open.repeat(n) + "1" + (open === "[" ? "]" : "}").repeat(n));
}

/** Bodies (as sent: text) that must each be answered with a 4xx or a complete bulk answer. */
export function malformedBodies(valid: readonly SignedReadingJson[]): fc.Arbitrary<string> {
  const item = fc.oneof(
    fc.constantFrom(...valid),
    mutated(valid),
    fc.jsonValue({ maxDepth: 3 }),
    extraKey(valid).map((t) => JSON.parse(t) as unknown),
  );
  return fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 200 }),
    mutated(valid).map((b) => JSON.stringify(b)),
    extraKey(valid),
    deep(),
    fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([v, cut]) => {
      const t = JSON.stringify(v);
      return t.slice(0, cut % t.length);
    }),
    fc.array(item, { minLength: 1, maxLength: 40 }).map((xs) => JSON.stringify(xs)),
    fc
      .tuple(fc.array(item, { minLength: 1, maxLength: 10 }), deep())
      .map(([xs, d]) => `[${[...xs.map((x) => JSON.stringify(x)), d].join(",")}]`),
  );
}

/** What was wrong with an answer to `body`, or null when it keeps the property. */
export function answerProblem(body: string, status: number, answer: unknown): string | null {
  if (status >= 500) return `${status} for ${body.slice(0, 120)}: ${JSON.stringify(answer).slice(0, 200)}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const results = (answer as { results?: unknown } | null)?.results;
  if (Array.isArray(parsed) && Array.isArray(results) && results.length !== parsed.length) {
    return `${parsed.length} items answered with ${results.length} results`;
  }
  return null;
}

/** Readings a set of answers says were newly stored (for the all-or-nothing check). */
export function newlyStored(answer: unknown): number {
  const a = answer as { results?: { result?: string }[]; result?: string } | null;
  const items = a?.results ?? (a?.result ? [a] : []);
  return items.filter((r) => r.result === "accepted" || r.result === "late").length;
}
