/**
 * Every refusal GridShare's off-chain code makes is a `GridShareError`: a stable `code` for machines
 * and a message that says what was wrong and what to do about it.
 */
export class GridShareError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A command-line or task argument that cannot be used; nothing was sent. */
export class InvalidArgumentError extends GridShareError {
  constructor(argument: string, problem: string) {
    super("INVALID_ARGUMENT", `--${argument}: ${problem}`);
  }
}

/** A configuration or input file that cannot be used; nothing was changed. */
export class InvalidFileError extends GridShareError {
  constructor(path: string, problem: string) {
    super("INVALID_FILE", `${path}: ${problem}`);
  }
}
