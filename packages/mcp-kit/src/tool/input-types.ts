import { z } from 'zod';

const EARLIEST = new Date('1900-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
const OUT_OF_RANGE = 'must be between 1900-01-01 and 9999-12-31';

/**
 * A date or date-time argument (`2026-11-01`, `2026-11-01T09:00:00Z`): a calendar date is UTC
 * midnight, a date-time needs its zone, and years outside 1900–9999 are refused here (a store
 * would refuse year 0000 as a failure of its own). The handler gets a `Date`.
 */
export const DateInput = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value))
  .pipe(z.date().min(EARLIEST, OUT_OF_RANGE).max(LATEST, OUT_OF_RANGE))
  .describe('ISO 8601 date (2026-11-01) or date-time with zone (2026-11-01T09:00:00Z)');
