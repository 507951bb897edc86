import { formatRecord, openRecord, parseRecordArgs } from "../../lib/certificates/ops.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseRecordArgs, openRecord, formatRecord);
