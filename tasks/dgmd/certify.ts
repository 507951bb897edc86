import { certify, formatCertified, parseCertifyArgs } from "../../lib/certificates/ops.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseCertifyArgs, certify, formatCertified);
