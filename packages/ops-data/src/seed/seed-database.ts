import { z } from 'zod';
import { selectRows } from '../sql/codecs';
import type { SqlExecutor, SqlSession } from '../sql/sql-executor';
import { jsonParam } from '../sql/statement';
import { generateSeedData } from './seed-data';

export interface SeedCounts {
  readonly tickets: number;
  readonly comments: number;
  readonly incidents: number;
  readonly timeline: number;
}

/** Seeding is for an empty database only; it never merges into or overwrites real data. */
export class DatabaseNotEmptyError extends Error {
  constructor() {
    super('The database already holds tickets or incidents; seeding only runs on an empty database');
    this.name = 'DatabaseNotEmptyError';
  }
}

type ColumnList = readonly (readonly [name: string, type: string])[];

const TICKET_COLUMNS: ColumnList = [
  ['id', 'text'], ['title', 'text'], ['description', 'text'], ['status', 'text'], ['resolution', 'text'], ['priority', 'text'],
  ['requester', 'text'], ['assignee', 'text'], ['team', 'text'], ['labels', 'text[]'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
];
const COMMENT_COLUMNS: ColumnList = [['ticket_id', 'text'], ['author', 'text'], ['body', 'text'], ['created_at', 'timestamptz']];
const INCIDENT_COLUMNS: ColumnList = [
  ['id', 'text'], ['title', 'text'], ['summary', 'text'], ['severity', 'text'], ['status', 'text'], ['commander', 'text'], ['services', 'text[]'],
  ['started_at', 'timestamptz'], ['mitigated_at', 'timestamptz'], ['resolved_at', 'timestamptz'], ['updated_at', 'timestamptz'],
];
const TIMELINE_COLUMNS: ColumnList = [['incident_id', 'text'], ['at', 'timestamptz'], ['author', 'text'], ['kind', 'text'], ['body', 'text'], ['details', 'jsonb']];

/**
 * One INSERT per table: the rows travel as a single JSON parameter and
 * `jsonb_to_recordset` types them, so the Data API (one statement per call) loads a
 * table in one call. `orderBy` fixes the order identity ids are drawn in.
 */
function insertFromJson(table: string, columns: ColumnList, orderBy: string): string {
  const names = columns.map(([name]) => name).join(', ');
  const definitions = columns.map(([name, type]) => `${name} ${type}`).join(', ');
  return `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset(:rows::jsonb) AS r(${definitions}) ORDER BY ${orderBy}`;
}

const INSERT_TICKETS = insertFromJson('tickets', TICKET_COLUMNS, 'created_at, id');
const INSERT_COMMENTS = insertFromJson('ticket_comments', COMMENT_COLUMNS, 'created_at, ticket_id');
const INSERT_INCIDENTS = insertFromJson('incidents', INCIDENT_COLUMNS, 'started_at, id');
const INSERT_TIMELINE = insertFromJson('incident_timeline', TIMELINE_COLUMNS, 'at, incident_id');

const HasRows = z.object({ has_rows: z.boolean() });

async function holdsOperationalData(session: SqlSession): Promise<boolean> {
  const [row] = await selectRows(session, HasRows, { sql: 'SELECT EXISTS (SELECT 1 FROM tickets) OR EXISTS (SELECT 1 FROM incidents) AS has_rows' });
  return row?.has_rows ?? false;
}

/** True once the database holds any ticket or incident, seeded or real. */
export async function isSeeded(executor: SqlExecutor): Promise<boolean> {
  return holdsOperationalData(executor);
}

async function insertRows(session: SqlSession, sql: string, rows: readonly object[]): Promise<number> {
  // Dates serialise as ISO 8601 strings, which the timestamptz columns read back exactly.
  const result = await session.query({ sql, params: { rows: jsonParam(rows) } });
  return result.rowsAffected;
}

/**
 * Loads `generateSeedData(options)` in one transaction, parents before children. Throws
 * {@link DatabaseNotEmptyError}, changing nothing, when tickets or incidents exist.
 */
export async function seedDatabase(executor: SqlExecutor, options: { now: Date }): Promise<SeedCounts> {
  const data = generateSeedData(options);
  return executor.transaction(async (session) => {
    if (await holdsOperationalData(session)) throw new DatabaseNotEmptyError();
    const tickets = await insertRows(session, INSERT_TICKETS, data.tickets);
    const comments = await insertRows(session, INSERT_COMMENTS, data.comments);
    const incidents = await insertRows(session, INSERT_INCIDENTS, data.incidents);
    const timeline = await insertRows(session, INSERT_TIMELINE, data.timeline);
    return { tickets, comments, incidents, timeline };
  });
}
