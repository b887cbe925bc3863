/**
 * `--at TIME` (and other time flags): a simulated moment as a user writes it (`90`, `90s`, `5m`, `1h`). Kept apart from
 * the command modules so that reading it loads nothing heavy (`podnet --help` stays quick).
 */
import { parseDuration } from '../../core/topology/duration.js';
import { CommandFailure } from '../errors.js';

/** About 31 years of simulated time, as topology durations allow. */
const MAX_SECONDS = 1e9;

export function parseAt(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseTimeFlag(text, '--at');
}

/** A flag's simulated duration, in seconds; a failure names the flag. */
export function parseTimeFlag(text: string, flag: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text)
    ? Number(text)
    : /^\d+(\.\d+)?(ms|s|m|h)$/.test(text)
      ? parseDuration(text)
      : Number.NaN;
  if (!Number.isFinite(seconds) || seconds > MAX_SECONDS)
    throw new CommandFailure(`error: ${flag} "${text}" is not a time such as 90, 90s, 5m or 1h`, 1);
  return seconds;
}
