import { formatTolerance, parseToleranceArgs, tolerance } from "../../lib/certificates/ops.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseToleranceArgs, tolerance, formatTolerance);
