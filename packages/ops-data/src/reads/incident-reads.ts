import { z } from 'zod';
import { integerColumn, jsonColumn, selectRows, textArrayColumn, timestampColumn } from '../sql/codecs';
import type { SqlExecutor } from '../sql/sql-executor';
import { textArrayParam, utcParam } from '../sql/statement';
import { IncidentSeverity, IncidentStatus, TimelineKind, type Incident, type TimelineEntry } from '../model/incidents';
import type { KeysetPosition} from './keyset';
import { pageOf, sortAt, type Page } from './keyset';
import { countWhere, Where } from './where';

export const INCIDENT_COLUMNS = 'id, title, summary, severity, status, commander, services, started_at, mitigated_at, resolved_at, updated_at';

export const IncidentColumns = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  severity: IncidentSeverity,
  status: IncidentStatus,
  commander: z.string(),
  services: textArrayColumn,
  started_at: timestampColumn,
  mitigated_at: timestampColumn.nullable(),
  resolved_at: timestampColumn.nullable(),
  updated_at: timestampColumn,
});

export const toIncident = ({ started_at, mitigated_at, resolved_at, updated_at, ...rest }: z.output<typeof IncidentColumns>): Incident => ({
  ...rest,
  startedAt: started_at,
  mitigatedAt: mitigated_at,
  resolvedAt: resolved_at,
  updatedAt: updated_at,
});

const ListRow = IncidentColumns.extend({ sort_at: z.string() });
const DetailRow = IncidentColumns.extend({ timeline_total: integerColumn });
export const TimelineRow = z.object({ at: timestampColumn, author: z.string(), kind: TimelineKind, body: z.string(), details: jsonColumn(z.record(z.string(), z.unknown())) });

export interface IncidentFilters {
  statuses?: readonly string[];
  severities?: readonly string[];
  /** Incidents that affected this service. */
  service?: string;
  /** Incidents that started at or after this time. */
  since?: Date;
}

export interface IncidentDetail {
  incident: Incident;
  /** Oldest first, at most the requested number of entries. */
  timeline: TimelineEntry[];
  timelineTotal: number;
}

export interface IncidentListItem {
  incident: Incident;
  position: KeysetPosition;
}

export interface IncidentReads {
  get(id: string, timelineLimit?: number): Promise<IncidentDetail | undefined>;
  /** Newest first (by start time). */
  list(filters: IncidentFilters, page: { limit: number; after?: KeysetPosition }): Promise<Page<IncidentListItem>>;
}

export function createIncidentReads(executor: SqlExecutor): IncidentReads {
  return {
    async get(id, timelineLimit = 200) {
      // Asked together: one round trip's wait instead of two (statements are separate either way).
      const [[row], timeline] = await Promise.all([
        selectRows(executor, DetailRow, {
          sql: `SELECT ${INCIDENT_COLUMNS}, (SELECT count(*) FROM incident_timeline e WHERE e.incident_id = i.id) AS timeline_total FROM incidents i WHERE id = :id`,
          params: { id },
        }),
        selectRows(executor, TimelineRow, {
          sql: 'SELECT at, author, kind, body, details FROM incident_timeline WHERE incident_id = :id ORDER BY at, id LIMIT :limit',
          params: { id, limit: timelineLimit },
        }),
      ]);
      if (!row) return undefined;
      const { timeline_total, ...columns } = row;
      return { incident: toIncident(columns), timeline, timelineTotal: timeline_total };
    },

    async list(filters, { limit, after }) {
      // The total (all matches) and the page (after the cursor) are asked together.
      const where = incidentWhere(filters);
      if (after) where.and(`(started_at, id) < (${utcParam('after_at')}, :after_id)`, { after_at: after.at, after_id: after.id });
      const [total, rows] = await Promise.all([
        countWhere(executor, 'incidents', incidentWhere(filters)),
        selectRows(executor, ListRow, {
          sql: `SELECT ${INCIDENT_COLUMNS}, ${sortAt('started_at')} FROM incidents ${where.sql} ORDER BY started_at DESC, id DESC LIMIT :limit`,
          params: { ...where.params, limit: limit + 1 },
        }),
      ]);
      const items = rows.map(({ sort_at, ...columns }) => ({ incident: toIncident(columns), position: { at: sort_at, id: columns.id } }));
      return pageOf(items, limit, total);
    },
  };
}

function incidentWhere(filters: IncidentFilters): Where {
  return new Where()
    .when(filters.statuses, 'status = ANY(:statuses::text[])', (statuses) => ({ statuses: textArrayParam(statuses) }))
    .when(filters.severities, 'severity = ANY(:severities::text[])', (severities) => ({ severities: textArrayParam(severities) }))
    // Containment, so that the GIN index on services applies.
    .when(filters.service, 'services @> ARRAY[:service]::text[]', (service) => ({ service }))
    .when(filters.since, `started_at >= ${utcParam('since')}`, (since) => ({ since }));
}
