/**
 * Worker entry. Hardhat registers its TypeScript loader (tsx) in the main thread only; a worker starts bare,
 * so it registers the same loader before importing the task module (whose imports end in `.js`).
 */
import { register } from "tsx/esm/api";

register();
await import("./recover-task.js");
