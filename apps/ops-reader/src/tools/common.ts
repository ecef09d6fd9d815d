import { z } from 'zod';
import { pagingCursor } from '@gmcp/mcp-kit';
import { KeysetPosition } from '@gmcp/ops-data';

export { CursorInput, DateInput } from '@gmcp/mcp-kit';

/** Pages continue after the sort key of the last row, so rows added meanwhile never shift them. */
export const keysetCursor = pagingCursor(KeysetPosition);

export const TICKET_TOOL_GOVERNANCE = {
  owner: 'service-desk',
  scope: 'tickets:read',
  risk: 'low',
  access: 'read',
  classification: 'internal',
} as const;

export const INCIDENT_TOOL_GOVERNANCE = {
  owner: 'sre',
  scope: 'incidents:read',
  risk: 'low',
  access: 'read',
  classification: 'internal',
} as const;


export function pageSize(maximum: number, fallback: number) {
  return z.number().int().min(1).max(maximum).default(fallback).describe(`results per page (at most ${maximum})`);
}

/** Up to `maximum` distinct values of an enum, for "any of these" filters. */
export function anyOf<T extends z.ZodType>(values: T, maximum: number) {
  return z
    .array(values)
    .min(1)
    .max(maximum)
    .transform((list) => [...new Set(list)] as z.output<T>[])
    .optional();
}

export const iso = (date: Date) => date.toISOString();
export const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);
