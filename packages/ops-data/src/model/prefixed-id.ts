import { z } from 'zod';

/** An id such as `TCK-1042`: the prefix and 4–7 digits, case-insensitive on input, upper-case after parsing. */
export function prefixedId(prefix: string, example: string, noun: string) {
  return z
    .string()
    .trim()
    // Case-insensitive without the `i` flag, which JSON Schema patterns cannot carry.
    .regex(new RegExp(`^${[...prefix].map((letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`).join('')}-[0-9]{4,7}$`), `must look like ${example}`)
    .transform((id) => id.toUpperCase())
    .describe(`${noun} id, e.g. ${example}`);
}
