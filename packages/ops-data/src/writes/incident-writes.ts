import { ChangeRefusedError, RecordNotFoundError } from '../errors';
import { z } from 'zod';
import { selectRows } from '../sql/codecs';
import type { SqlExecutor, SqlSession } from '../sql/sql-executor';
import { jsonParam, utcParam, type SqlParam } from '../sql/statement';
import { IncidentSeverity, IncidentStatus, type Incident, type TimelineEntry } from '../model/incidents';
import { INCIDENT_COLUMNS, IncidentColumns, TimelineRow, toIncident } from '../reads/incident-reads';
import { StoredIncident, StoredTimelineEntry } from './stored-results';
import { runWrite, type WriteContext } from './write-context';

export interface IncidentUpdate {
  body: string;
  /** `update` (news) when absent, or `action` (something done). */
  kind?: 'update' | 'action';
}

export interface IncidentChange {
  incident: Incident;
  /** The timeline entry that records the change. */
  entry: TimelineEntry;
}

export interface IncidentWrites {
  addUpdate(context: WriteContext, incidentId: string, update: IncidentUpdate): Promise<TimelineEntry>;
  changeSeverity(context: WriteContext, incidentId: string, severity: Incident['severity'], reason: string): Promise<IncidentChange>;
  /** Refused for an incident that is already resolved. */
  resolve(context: WriteContext, incidentId: string, summary?: string): Promise<IncidentChange>;
}

/** The tool names idempotency keys are scoped to. */
export const INCIDENT_WRITE_TOOLS = {
  addUpdate: 'add_incident_update',
  changeSeverity: 'change_incident_severity',
  resolve: 'resolve_incident',
} as const;

const NOW = utcParam('now');
const StoredChange = z.object({ incident: StoredIncident, entry: StoredTimelineEntry });

export function createIncidentWrites(executor: SqlExecutor): IncidentWrites {
  return {
    addUpdate: (context, incidentId, update) =>
      runWrite(executor, context, { tool: INCIDENT_WRITE_TOOLS.addUpdate, args: { incidentId, update }, storedResult: StoredTimelineEntry }, async (session, now) => {
        await setIncident(session, incidentId, [], {}, now);
        return insertEntry(session, incidentId, { author: context.actor, kind: update.kind ?? 'update', body: update.body, details: {} }, now);
      }),

    changeSeverity: (context, incidentId, severity, reason) =>
      runWrite(executor, context, { tool: INCIDENT_WRITE_TOOLS.changeSeverity, args: { incidentId, severity, reason }, storedResult: StoredChange }, async (session, now) => {
        const current = await lockIncident(session, incidentId);
        if (current.severity === severity) throw new ChangeRefusedError(`Incident ${incidentId} is already ${severity}; nothing to change`);
        const incident = await setIncident(session, incidentId, ['severity = :severity'], { severity }, now);
        const details = { from: current.severity, to: severity };
        const entry = await insertEntry(session, incidentId, { author: context.actor, kind: 'severity_change', body: reason, details }, now);
        return { incident, entry };
      }),

    resolve: (context, incidentId, summary) =>
      runWrite(executor, context, { tool: INCIDENT_WRITE_TOOLS.resolve, args: { incidentId, summary }, storedResult: StoredChange }, async (session, now) => {
        const current = await lockIncident(session, incidentId);
        if (current.status === 'resolved') throw new ChangeRefusedError(`Incident ${incidentId} is already resolved`);
        const incident = await setIncident(session, incidentId, RESOLVE_ASSIGNMENTS, { summary: summary ?? null }, now);
        const details = { from: current.status, to: 'resolved' };
        const entry = await insertEntry(session, incidentId, { author: context.actor, kind: 'resolved', body: summary ?? 'Incident resolved.', details }, now);
        return { incident, entry };
      }),
  };
}

const RESOLVE_ASSIGNMENTS = [
  "status = 'resolved'",
  `resolved_at = ${NOW}`,
  `mitigated_at = COALESCE(mitigated_at, ${NOW})`,
  'summary = COALESCE(:summary::text, summary)',
];

function incidentNotFound(incidentId: string): RecordNotFoundError {
  return new RecordNotFoundError(`Incident ${incidentId} does not exist`);
}

const LockedIncident = z.object({ severity: IncidentSeverity, status: IncidentStatus });

/** The incident's current state, locked until the transaction ends. */
async function lockIncident(session: SqlSession, incidentId: string): Promise<z.output<typeof LockedIncident>> {
  const [row] = await selectRows(session, LockedIncident, { sql: 'SELECT severity, status FROM incidents WHERE id = :id FOR UPDATE', params: { id: incidentId } });
  if (!row) throw incidentNotFound(incidentId);
  return row;
}

/** Applies `assignments` (fixed SQL, values as parameters) and touches `updated_at`. */
async function setIncident(session: SqlSession, incidentId: string, assignments: readonly string[], params: Record<string, SqlParam>, now: Date): Promise<Incident> {
  const [row] = await selectRows(session, IncidentColumns, {
    sql: `UPDATE incidents SET ${[...assignments, `updated_at = ${NOW}`].join(', ')} WHERE id = :id RETURNING ${INCIDENT_COLUMNS}`,
    params: { ...params, id: incidentId, now },
  });
  if (!row) throw incidentNotFound(incidentId);
  return toIncident(row);
}

async function insertEntry(session: SqlSession, incidentId: string, entry: Omit<TimelineEntry, 'at'>, now: Date): Promise<TimelineEntry> {
  const [row] = await selectRows(session, TimelineRow, {
    sql: `INSERT INTO incident_timeline (incident_id, at, author, kind, body, details)
          VALUES (:id, ${NOW}, :author, :kind, :body, :details::jsonb)
          RETURNING at, author, kind, body, details`,
    params: { id: incidentId, author: entry.author, kind: entry.kind, body: entry.body, details: jsonParam(entry.details), now },
  });
  if (!row) throw new Error('INSERT … RETURNING returned no timeline entry');
  return row;
}
