// How the CLI fails: exit 1 for a failure (the edge refused, a file is wrong), exit 2 for a
// command line that cannot be run as given (the message names the argument).
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The edge no longer takes this login: retrying will not help, logging in again will. */
export class LoginEndedError extends CliError {}
