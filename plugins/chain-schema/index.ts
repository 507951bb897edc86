/**
 * In-repo Hardhat plugin: after every successful build it writes `types/chain-schema.ts` (gitignored, like
 * TypeChain's output) with the project's Solidity enums, the structs the ABIs carry and every contract's ABI,
 * all read from the compiled artifacts. `lib/chain/schema.ts` re-exports it with helpers; nothing in
 * TypeScript re-types an enum or an ABI. It hooks the build the way @nomicfoundation/hardhat-typechain does.
 */
import type { HardhatPlugin } from "hardhat/types/plugins";
import { definePlugin } from "hardhat/plugins";

const chainSchema: HardhatPlugin = definePlugin({
  id: "gridshare-chain-schema",
  hookHandlers: {
    solidity: () => import("./hooks/solidity.js"),
    clean: () => import("./hooks/clean.js"),
  },
});

export default chainSchema;
