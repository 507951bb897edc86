import { formatRevoked, parseRevokeArgs, revoke } from "../../lib/certificates/ops.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseRevokeArgs, revoke, formatRevoked);
