/**
 * Stable codes callers switch on instead of parsing messages, as the provider's WeChatError has; each means one thing.
 * All of them stop the emulator from starting: what it would start from cannot be used.
 */
export type EmulatorErrorCode =
  | "EMULATOR_SEED_UNREADABLE" // the seed file cannot be read (missing, not permitted, a directory)
  | "EMULATOR_SEED_INVALID" // the seed is not JSON, or a field is missing, mistyped, misspelt, out of range or used twice
  | "EMULATOR_STATE_UNREADABLE" // the state file exists but cannot be read
  | "EMULATOR_STATE_UNWRITABLE" // there is no state file yet, and the first one cannot be written (a missing folder, no permission)
  | "EMULATOR_STATE_INVALID"; // the state file is not JSON, not one this emulator writes, or its clock lies past any valid date

/** A seed or a state file the emulator cannot start from; the message names the file or the field and what is wrong. */
export class EmulatorError extends Error {
  constructor(
    readonly code: EmulatorErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Thrown for a seed that cannot be used; the message names the offending field. */
export class SeedError extends EmulatorError {
  override name = "SeedError";

  constructor(message: string, code: "EMULATOR_SEED_INVALID" | "EMULATOR_SEED_UNREADABLE" = "EMULATOR_SEED_INVALID", options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Thrown for a state file that cannot be used; the message names the file. */
export class StateFileError extends EmulatorError {
  override name = "StateFileError";

  constructor(code: "EMULATOR_STATE_INVALID" | "EMULATOR_STATE_UNREADABLE" | "EMULATOR_STATE_UNWRITABLE", message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
