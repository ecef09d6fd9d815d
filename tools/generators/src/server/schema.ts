import { z } from 'zod';
import { SERVER_NAME } from '@gmcp/infra/servers';

/** The server generator's options, as `nx g @gmcp/generators:server` passes them (schema.json for the CLI). */
export const ServerOptions = z.object({
  name: z.string().regex(SERVER_NAME, '--name is lowercase words joined by dashes, e.g. hr-reader').max(30, '--name has at most 30 characters (AWS function names)'),
  access: z.enum(['read', 'write']),
  description: z.string().trim().min(20, '--description is what the assistant reads first: what the server offers (20 characters at least)').optional(),
  port: z.number().int().min(1024).max(65535).optional(),
  skipInstall: z.boolean().default(false),
});
export type ServerOptions = z.input<typeof ServerOptions>;
