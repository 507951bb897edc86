import { formatReconfirmed, parseMeterArgs, reconfirm } from "../../lib/certificates/ops.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseMeterArgs, reconfirm, formatReconfirmed);
