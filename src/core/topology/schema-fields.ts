/**
 * Field schemas every part of the written format shares: durations, AS numbers, labels, and the
 * refusal of fields podnet does not simulate.
 */
import * as z from 'zod';
import { parseDuration } from './duration.js';

/** About 31 years of simulated time: more is a typo, and would overflow the event clock's arithmetic. */
export const MAX_DURATION_SECONDS = 1e9;
const DURATION_TEXT = /^\d+(\.\d+)?(ms|s|m|h)$/;
const DURATION_TOO_LONG = 'a duration of at most 1000000000 seconds (about 31 years)';

export const text = (description: string) => z.string().min(1).describe(description);

/** A TCP/UDP port number, as every part of the format writes one. */
export const portNumber = z
  .number()
  .int('a port is a whole number')
  .min(1, 'a port is between 1 and 65535')
  .max(65535, 'a port is between 1 and 65535');

export const durationSchema = z
  .union([
    z.number().nonnegative().max(MAX_DURATION_SECONDS, DURATION_TOO_LONG),
    z
      .string()
      .regex(DURATION_TEXT, 'expected a duration such as 30s, 2m or 1.5h')
      .refine((value) => !DURATION_TEXT.test(value) || parseDuration(value) <= MAX_DURATION_SECONDS, DURATION_TOO_LONG),
  ])
  .describe('simulated time: seconds as a number, or a string such as 500ms, 30s, 2m, 1h');

export const asNumberSchema = z
  .number()
  .int('an AS number is a whole number')
  .min(1, 'an AS number is between 1 and 4294967295')
  .max(4294967295, 'an AS number is between 1 and 4294967295')
  .describe('BGP autonomous system number (4-byte)');

export const encapModeSchema = z.enum(['Never', 'Always', 'CrossSubnet']);

export const labelsSchema = z.record(z.string(), z.string()).describe('Kubernetes-style labels');

/** Marks the issues that refuse a field podnet does not simulate, so they get their own code. */
export const NOT_MODELLED = 'not-modelled';

/**
 * A field Kubernetes or Calico accepts whose effect podnet does not simulate. Accepting it silently
 * would answer the user's question falsely, so it is refused where it stands, naming what is missing.
 */
export function notModelled(what: string) {
  return z
    .unknown()
    .refine(() => false, refusal(what))
    .optional()
    .describe(`refused: podnet does not model ${what}`);
}

/** A field podnet models only at its default value: the default is accepted, any other refused. */
export function onlyDefault<T extends z.ZodType>(schema: T, accepted: (value: z.output<T>) => boolean, what: string) {
  return schema
    .refine(accepted, refusal(what))
    .optional()
    .describe(`refused unless left at its default: podnet does not model ${what}`);
}

export function refusal(what: string) {
  return { message: `podnet does not model ${what}; remove this field`, params: { [NOT_MODELLED]: true } };
}
