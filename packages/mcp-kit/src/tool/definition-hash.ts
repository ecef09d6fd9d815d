import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../signing/canonical-json';
import type { ToolDefinition } from './define-tool';

type AnyTool = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, never>;

/**
 * Everything about a tool that steers an assistant or governs it, as plain JSON: what an
 * allowlist entry approves. A change to any field is a change of definition.
 */
export interface CanonicalDefinition {
  name: string;
  title: string;
  description: string;
  input_schema: unknown;
  output_schema: unknown;
  annotations: unknown;
  owner: string;
  scope: string;
  risk: string;
  access: string;
  classification: string;
}

export const DEFINITION_FIELDS = ['name', 'title', 'description', 'input_schema', 'output_schema', 'annotations', 'owner', 'scope', 'risk', 'access', 'classification'] as const;

/** The declared input and output as JSON Schema (zod's conversion, the same on every run and machine). */
export function canonicalDefinition(tool: ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, unknown> | AnyTool): CanonicalDefinition {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    input_schema: z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }),
    output_schema: z.toJSONSchema(tool.output, { io: 'output', unrepresentable: 'any' }),
    annotations: tool.annotations,
    owner: tool.owner,
    scope: tool.scope,
    risk: tool.risk,
    access: tool.access,
    classification: tool.classification,
  };
}

/**
 * `sha256:<hex>` of the canonical JSON (keys sorted, no whitespace) of the canonical
 * definition: what an allowlist entry pins (`"definition"`).
 */
export function definitionHash(tool: Parameters<typeof canonicalDefinition>[0]): string {
  return hashOf(canonicalDefinition(tool));
}

export function hashOf(definition: CanonicalDefinition): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;
}
