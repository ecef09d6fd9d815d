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

type DefinedTool = ToolDefinition<z.ZodObject<z.ZodRawShape>, z.ZodObject<z.ZodRawShape>, unknown> | AnyTool;

/** The declared input and output as JSON Schema, as `tools/list` shows them (zod's conversion, the same on every run and machine). */
export function wireSchemasOf(tool: DefinedTool): { input: Record<string, unknown>; output: Record<string, unknown> } {
  return {
    input: z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
    output: z.toJSONSchema(tool.output, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>,
  };
}

/** `schemas`: the tool's {@link wireSchemasOf}, when the caller already converted them. */
export function canonicalDefinition(tool: DefinedTool, schemas = wireSchemasOf(tool)): CanonicalDefinition {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    input_schema: schemas.input,
    output_schema: schemas.output,
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
export function definitionHash(tool: DefinedTool, schemas = wireSchemasOf(tool)): string {
  return hashOf(canonicalDefinition(tool, schemas));
}

export function hashOf(definition: CanonicalDefinition): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;
}
