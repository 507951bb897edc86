/** Worker entry of the gateway load generator (registers tsx like recover.ts, then runs the task). */
import { register } from "tsx/esm/api";

register();
await import("./load-task.js");
