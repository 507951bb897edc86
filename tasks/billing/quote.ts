import { formatBill, quoteBill } from "../../lib/billing/ops.js";
import { billAction } from "./bill.js";

export default billAction(quoteBill, formatBill);
