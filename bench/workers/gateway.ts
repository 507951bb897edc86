/** Worker entry of a per-core gateway (registers tsx like recover.ts, then runs the task). */
import { register } from "tsx/esm/api";

register();
await import("./gateway-task.js");
