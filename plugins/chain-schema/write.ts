/** Reads the build's artifacts and build-info outputs and (re)writes the chain schema module. */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ProjectPathsConfig } from "hardhat/types/config";
import {
  latestSources,
  schemaModule,
  type ArtifactInput,
  type BuildInfoInput,
  type SourceInput,
} from "./generate.js";

/** Beside TypeChain's `types/ethers-contracts/`, which the generated module imports types from. */
export const schemaFile = (root: string) => path.join(root, "types", "chain-schema.ts");

interface Artifact extends ArtifactInput {
  readonly buildInfoId?: string;
  /** The solc input name of its source (`project/contracts/...`). */
  readonly inputSourceName?: string;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

export async function writeChainSchema(
  paths: ProjectPathsConfig,
  artifactPaths: readonly string[],
): Promise<void> {
  const artifacts = await Promise.all(artifactPaths.map((p) => readJson<Artifact>(p)));
  const buildInfoIds = new Set(
    artifacts.flatMap((a) => (a.buildInfoId === undefined ? [] : [a.buildInfoId])),
  );
  const owners = new Map<string, string>();
  for (const a of artifacts) {
    if (a.buildInfoId !== undefined && a.inputSourceName !== undefined) {
      owners.set(a.inputSourceName, a.buildInfoId);
    }
  }
  const buildInfos: BuildInfoInput[] = await Promise.all(
    [...buildInfoIds].map(async (id) => {
      const file = path.join(paths.artifacts, "build-info", `${id}.output.json`);
      const out = await readJson<{ output: { sources?: Record<string, SourceInput> } }>(file);
      return { id, writtenAt: (await stat(file)).mtimeMs, sources: out.output.sources ?? {} };
    }),
  );
  const sources = latestSources(buildInfos, owners);
  // Hardhat names the project's own files `project/<path from the root>`; dependencies are `npm/...`.
  const roots = paths.sources.solidity.map(
    (dir) => `project/${path.relative(paths.root, dir).split(path.sep).join("/")}/`,
  );
  const text = schemaModule(artifacts, sources, (name) => roots.some((r) => name.startsWith(r)));
  const file = schemaFile(paths.root);
  const old = await readFile(file, "utf8").catch(() => undefined);
  if (old === text) return; // an unchanged file keeps its mtime: watchers and tsc stay quiet
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}
