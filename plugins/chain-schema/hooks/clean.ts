import type { CleanHooks } from "hardhat/types/hooks";
import { rm } from "node:fs/promises";
import { schemaFile } from "../write.js";

export default async (): Promise<Partial<CleanHooks>> => ({
  async onClean(context) {
    await rm(schemaFile(context.config.paths.root), { force: true });
  },
});
