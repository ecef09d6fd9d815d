export const HOUR_MINUTES = 60;
export const DAY_MINUTES = 24 * HOUR_MINUTES;

/** `date` moved by `minutes` (negative: earlier). */
export function atOffset(date: Date, minutes: number): Date {
  return new Date(date.getTime() + minutes * 60_000);
}

/** Rounded down to the second, as timestamps in a ticketing tool look. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
