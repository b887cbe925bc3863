/**
 * The failures a command reports to the user, and their exit codes: 1 for a request kubectl would
 * refuse (NotFound, AlreadyExists, a usage error), 2 for a file podnet cannot read or write (input
 * with every problem located; an output path or a full disk, with nothing changed), 3 for a
 * workspace another command holds locked. Anything else that is thrown is a bug.
 */
import { formatLocated, type LocatedMessage } from '../io/located.js';

export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3,
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

/** kubectl's refusal of names it could not find: one line for each. */
export function notFound(resource: string, ...names: string[]): CommandFailure {
  const lines = names.map((name) => `Error from server (NotFound): ${resource} "${name}" not found`);
  return new CommandFailure(lines.join('\n'), 1);
}
