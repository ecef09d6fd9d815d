import { CLASSIFICATIONS, type Classification } from '@gmcp/mcp-kit';

/**
 * `policies:read` clears public and internal documents; the classification scopes
 * `policies:read:confidential` and `policies:read:restricted` clear higher levels.
 */
export const CLEARANCE_SCOPES = ['policies:read:confidential', 'policies:read:restricted'] as const;

export function clearanceOf(scopes: ReadonlySet<string>): Classification {
  if (scopes.has('policies:read:restricted')) return 'restricted';
  if (scopes.has('policies:read:confidential')) return 'confidential';
  return 'internal';
}

export function isCleared(level: Classification, clearance: Classification): boolean {
  return CLASSIFICATIONS.indexOf(level) <= CLASSIFICATIONS.indexOf(clearance);
}

export function highestClassification(levels: Iterable<Classification>): Classification {
  let highest = 0;
  for (const level of levels) highest = Math.max(highest, CLASSIFICATIONS.indexOf(level));
  return CLASSIFICATIONS[highest] ?? 'public';
}
