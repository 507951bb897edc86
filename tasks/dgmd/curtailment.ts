import { curtailment, formatCurtailment, parseCurtailmentArgs } from "../../lib/tariffs/curtailment.js";
import { sessionAction } from "../action.js";

export default sessionAction(parseCurtailmentArgs, curtailment, formatCurtailment);
