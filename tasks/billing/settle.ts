import { formatSettlement, settleBill } from "../../lib/billing/ops.js";
import { billAction } from "./bill.js";

export default billAction(settleBill, formatSettlement);
