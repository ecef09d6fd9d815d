import { z } from 'zod';
import { prefixedId } from './prefixed-id';

export const INCIDENT_SEVERITIES = ['SEV1', 'SEV2', 'SEV3', 'SEV4'] as const;
export const INCIDENT_STATUSES = ['investigating', 'identified', 'mitigated', 'resolved'] as const;
/** Every status an incident has before it is resolved. */
export const OPEN_INCIDENT_STATUSES = ['investigating', 'identified', 'mitigated'] as const;
export const TIMELINE_KINDS = ['detected', 'update', 'action', 'status_change', 'severity_change', 'mitigated', 'resolved'] as const;

export const IncidentId = prefixedId('INC', 'INC-2031', 'Incident');

export const IncidentSeverity = z.preprocess((value) => (typeof value === 'string' ? value.trim().toUpperCase() : value), z.enum(INCIDENT_SEVERITIES));
export const IncidentStatus = z.enum(INCIDENT_STATUSES);
export const TimelineKind = z.enum(TIMELINE_KINDS);

/** A service name as incidents list them: `payments`, `api-gateway`. */
export const ServiceName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a service name such as payments or api-gateway')
  .transform((name) => name.toLowerCase());

export interface Incident {
  id: string;
  title: string;
  summary: string;
  severity: z.output<typeof IncidentSeverity>;
  status: z.output<typeof IncidentStatus>;
  commander: string;
  services: string[];
  startedAt: Date;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  updatedAt: Date;
}

export interface TimelineEntry {
  at: Date;
  author: string;
  kind: z.output<typeof TimelineKind>;
  body: string;
  details: Record<string, unknown>;
}
