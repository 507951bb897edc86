import type { SolidityHooks } from "hardhat/types/hooks";
import { writeChainSchema } from "../write.js";

export default async (): Promise<Partial<SolidityHooks>> => ({
  // Receives every contract artifact, also those a cached (incremental) build did not recompile.
  async processArtifactsAfterSuccessfulBuild(context, artifactPaths) {
    await writeChainSchema(context.config.paths, artifactPaths);
  },
});
