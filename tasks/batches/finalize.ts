import { finalizeBatches, formatFinalized, parseFinalizeArgs } from "../../lib/batches/ops.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseFinalizeArgs, finalizeBatches, formatFinalized);
