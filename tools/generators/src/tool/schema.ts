import { z } from 'zod';
import { CLASSIFICATIONS, RISK_LEVELS, ACCESS_MODES, SCOPE, TOOL_NAME } from '@gmcp/mcp-kit/platform';

/** The tool generator's options, as `nx g @gmcp/generators:tool` passes them (schema.json for the CLI). */
export const ToolOptions = z.object({
  project: z.string().min(1, '--project names the server app, e.g. ops-reader'),
  name: z.string().regex(TOOL_NAME, '--name is the tool\'s wire name: lowercase snake_case, 2-64 characters, e.g. get_ticket_sla'),
  title: z.string().trim().min(1).optional(),
  description: z.string().trim().min(20, '--description tells the assistant what the tool does and when to use it (20 characters at least)'),
  owner: z.string().trim().regex(/^[a-z0-9][a-z0-9-]*$/, '--owner is the accountable team in lowercase letters, digits and dashes, e.g. service-desk'),
  scope: z.string().regex(SCOPE, '--scope is an OAuth scope such as tickets:read'),
  risk: z.enum(RISK_LEVELS).default('low'),
  access: z.enum(ACCESS_MODES).optional(),
  classification: z.enum(CLASSIFICATIONS).default('internal'),
  allowlist: z.boolean().default(true),
});
export type ToolOptions = z.input<typeof ToolOptions>;
