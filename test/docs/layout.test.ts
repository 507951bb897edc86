/**
 * The README's layout table and docs/ARCHITECTURE.md's plan describe the tree as it is: every folder they name
 * exists, and every folder of lib/ and lab/ (and every top-level folder) is named.
 */
import { expect } from "chai";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (f: string) => readFileSync(path.join(ROOT, f), "utf8");
const dirs = (d: string) =>
  readdirSync(path.join(ROOT, d)).filter((n) => statSync(path.join(ROOT, d, n)).isDirectory());

/** Top-level folders that are the project's (not generated, installed or hidden). */
const GENERATED = new Set([
  "node_modules",
  "artifacts",
  "cache",
  "types",
  "coverage",
  "dist",
  "reports",
  "network",
]);
const projectFolders = () => dirs(".").filter((d) => !d.startsWith(".") && !GENERATED.has(d));

/** The plan block of ARCHITECTURE.md: `name/` at the start of a line, nested by two spaces. */
function planFolders(): Set<string> {
  const doc = read("docs/ARCHITECTURE.md");
  const block = doc.slice(doc.indexOf("## Layout"), doc.indexOf("## Contracts"));
  const out = new Set<string>();
  let parent = "";
  for (const line of block.split("\n")) {
    const top = /^([a-z][\w-]*)\/\s/.exec(line);
    const sub = /^ {2}([a-z][\w-]*)\/\s/.exec(line);
    if (top) out.add((parent = top[1] as string));
    else if (sub) out.add(`${parent}/${sub[1]}`);
  }
  return out;
}

describe("layout docs match the tree", () => {
  it("every top-level folder is in the README's layout table and the README names only real paths", () => {
    const readme = read("README.md");
    const table = readme.slice(readme.indexOf("## Layout"), readme.indexOf("## Documentation"));
    const named = [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => (m[1] as string).replace(/\/$/, ""));
    for (const f of projectFolders()) expect(named, `README layout table lacks ${f}/`).to.include(f);
    for (const n of named)
      expect(existsSync(path.join(ROOT, n)), `README names ${n}/, which is gone`).to.equal(true);
  });

  it("ARCHITECTURE.md's plan names every folder of the tree, lib/ and lab/ and nothing that is gone", () => {
    const plan = planFolders();
    for (const f of projectFolders()) expect(plan, `plan lacks ${f}/`).to.include(f);
    for (const top of ["lib", "lab"])
      for (const d of dirs(top)) expect(plan, `plan lacks ${top}/${d}/`).to.include(`${top}/${d}`);
    for (const p of plan)
      expect(existsSync(path.join(ROOT, p)), `plan names ${p}/, which is gone`).to.equal(true);
  });
});
