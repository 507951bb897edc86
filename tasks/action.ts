/**
 * What every task action shares: its connection, its acting account, and the way out for its result and its
 * errors. A task's default export is `taskAction(body)`; the body checks its options, calls one lib operation
 * and prints.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { contractAt, openSession, type ContractOf, type Session } from "../lib/chain/session.js";
import type { ContractName } from "../lib/chain/contracts.js";
import { formatError, toGridShareError } from "../lib/cli.js";
import type { GridShareError } from "../lib/errors.js";
import { toJson } from "../lib/format/table.js";

export interface TaskContext {
  /** The network connection tasks share with whatever else runs in the process. */
  connection(): Promise<NetworkConnection<"generic">>;
  /** The session: `--from` (an address or a role) when the task has that option, else the first account. */
  session(): Promise<Session>;
  /** A GridShare contract on the session's account; `explicit` is its address option ("" = default). */
  contract<N extends ContractName>(name: N, explicit: string): Promise<ContractOf<N>>;
}

/** A refused task's result: Hardhat's CLI sets exit code 1 and prints nothing more (we printed the error). */
export interface TaskFailure {
  readonly success: false;
  readonly error: GridShareError;
}

/**
 * A task action. The session is opened only when the body asks for it, so options are checked before the
 * chain is contacted. Every error leaves through here: printed once by lib/cli.ts's formatter on stderr (one
 * line, or JSON with --json; the stack with --show-stack-traces) and returned as a failed result.
 */
export function taskAction<A extends object>(
  body: (args: A, ctx: TaskContext) => Promise<void>,
): (args: A, hre: HardhatRuntimeEnvironment) => Promise<TaskFailure | undefined> {
  return async (args, hre) => {
    const from = "from" in args && typeof args.from === "string" ? args.from : "";
    const connection = () => hre.network.getOrCreate();
    let opened: Promise<Session> | undefined;
    const session = () =>
      (opened ??= connection().then((c) =>
        openSession(c.ethers, from, {
          name: c.networkName,
          inProcess: c.networkConfig.type === "edr-simulated",
        }),
      ));
    const contract = async <N extends ContractName>(name: N, explicit: string) =>
      contractAt(await session(), name, explicit);
    try {
      await body(args, { connection, session, contract });
      return undefined;
    } catch (e) {
      const format = {
        json: "json" in args && args.json === true,
        stack: stackTracesAsked(),
        debugHint: "--show-stack-traces",
      };
      const error = toGridShareError(e, format);
      console.error(formatError(error, format));
      return { success: false, error };
    }
  };
}

/**
 * The stack only when a person asks for it on the command line. Hardhat's own `showStackTraces` is also on
 * whenever CI (or BUILD_NUMBER, RUN_ID, ...) is set, which would turn every operator's refusal into a trace
 * on CI machines and in many shells.
 */
function stackTracesAsked(): boolean {
  return process.argv.includes("--show-stack-traces") || process.env.GRIDSHARE_DEBUG === "1";
}

/** Print a result: as JSON with `--json`, else formatted for a person. */
export function printResult<T>(value: T, json: boolean, format: (value: T) => string): void {
  console.log(json ? toJson(value) : format(value));
}

/**
 * The common task: check the options (nothing is contacted on a bad one), run one operation on the session,
 * print its result.
 */
export function sessionAction<A extends object, R, T>(
  parse: (args: A) => R,
  run: (s: Session, request: R) => Promise<T>,
  format: (result: T) => string,
) {
  return taskAction(async (args: A, ctx) => {
    const request = parse(args);
    console.log(format(await run(await ctx.session(), request)));
  });
}
