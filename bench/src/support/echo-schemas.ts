import { z } from 'zod';

/** The trivial tool's schemas, without the kit: the bare references (bare-app.ts) must not load it. */
export const EchoInput = z.object({ message: z.string().max(100) });
export const EchoOutput = z.object({ message: z.string() });
