/**
 * The failures a command reports to the user, and their exit codes: 2 for input podnet cannot
 * read (with every problem located), 1 for a request kubectl would refuse (NotFound,
 * AlreadyExists). Anything else that is thrown is a bug and surfaces as one.
 */
import { formatLocated, type LocatedMessage } from '../io/located.js';

export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export class InputProblems extends CommandFailure {
  constructor(
    readonly problems: readonly LocatedMessage[],
    note?: string,
  ) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'} found`;
    super([...problems.map(formatLocated), note === undefined ? count : `${count}; ${note}`].join('\n'), 2);
  }
}

export function notFound(resource: string, name: string): CommandFailure {
  return new CommandFailure(`Error from server (NotFound): ${resource} "${name}" not found`, 1);
}
