import { DATABASE_ROLES } from './roles';

/**
 * One schema change. Statements run one by one (the Data API takes a single statement
 * per call) inside one transaction; a migration that has been applied must never be
 * edited, because the runner refuses to start on a checksum mismatch.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

const OPERATIONAL_TABLES = ['tickets', 'ticket_comments', 'incidents', 'incident_timeline'] as const;

const createGroupRole = (role: string) => `
  DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF;
  END $$`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tickets and incidents',
    statements: [
      `CREATE TABLE tickets (
        id          text PRIMARY KEY CHECK (id ~ '^TCK-[0-9]{4,7}$'),
        title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text NOT NULL CHECK (length(description) <= 20000),
        status      text NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')),
        resolution  text CHECK (resolution IN ('fixed', 'wont_fix', 'duplicate', 'cannot_reproduce')),
        priority    text NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
        requester   text NOT NULL,
        assignee    text,
        team        text NOT NULL,
        labels      text[] NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        search      tsvector GENERATED ALWAYS AS (
                      setweight(to_tsvector('english', title), 'A') ||
                      setweight(to_tsvector('english', description), 'B')) STORED,
        CHECK (updated_at >= created_at)
      )`,
      'CREATE INDEX tickets_search ON tickets USING gin (search)',
      'CREATE INDEX tickets_created ON tickets (created_at DESC, id DESC)',
      'CREATE INDEX tickets_status ON tickets (status)',
      'CREATE INDEX tickets_team ON tickets (team)',
      'CREATE INDEX tickets_assignee ON tickets (assignee)',
      `CREATE TABLE ticket_comments (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ticket_id  text NOT NULL REFERENCES tickets (id),
        author     text NOT NULL,
        body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        created_at timestamptz NOT NULL
      )`,
      'CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, created_at)',
      `CREATE TABLE incidents (
        id           text PRIMARY KEY CHECK (id ~ '^INC-[0-9]{4,7}$'),
        title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        summary      text NOT NULL CHECK (length(summary) <= 20000),
        severity     text NOT NULL CHECK (severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
        status       text NOT NULL CHECK (status IN ('investigating', 'identified', 'mitigated', 'resolved')),
        commander    text NOT NULL,
        services     text[] NOT NULL CHECK (cardinality(services) >= 1),
        started_at   timestamptz NOT NULL,
        mitigated_at timestamptz,
        resolved_at  timestamptz,
        updated_at   timestamptz NOT NULL,
        CHECK (mitigated_at IS NULL OR mitigated_at >= started_at),
        CHECK (resolved_at IS NULL OR resolved_at >= started_at),
        CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
      )`,
      'CREATE INDEX incidents_started ON incidents (started_at DESC, id DESC)',
      'CREATE INDEX incidents_services ON incidents USING gin (services)',
      `CREATE TABLE incident_timeline (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id text NOT NULL REFERENCES incidents (id),
        at          timestamptz NOT NULL,
        author      text NOT NULL,
        kind        text NOT NULL CHECK (kind IN ('detected', 'update', 'action', 'status_change', 'severity_change', 'mitigated', 'resolved')),
        body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        details     jsonb NOT NULL DEFAULT '{}'
      )`,
      'CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at, id)',
    ],
  },
  {
    version: 2,
    name: 'reader and writer roles',
    statements: [
      createGroupRole(DATABASE_ROLES.reader),
      createGroupRole(DATABASE_ROLES.writer),
      `GRANT USAGE ON SCHEMA public TO ${DATABASE_ROLES.reader}, ${DATABASE_ROLES.writer}`,
      `GRANT SELECT ON ${OPERATIONAL_TABLES.join(', ')} TO ${DATABASE_ROLES.reader}`,
      `GRANT SELECT, INSERT, UPDATE ON ${OPERATIONAL_TABLES.join(', ')} TO ${DATABASE_ROLES.writer}`,
      // Identity columns draw from sequences; inserting needs them, reading does not.
      `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${DATABASE_ROLES.writer}`,
    ],
  },
  {
    version: 3,
    name: 'no defaults granted to PUBLIC',
    statements: [
      // PostgreSQL grants every role temporary tables and (before 15) CREATE in public: the servers need neither.
      'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
      "DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$",
    ],
  },
  {
    version: 4,
    name: 'writer: id sequences and idempotent requests',
    statements: [
      // Well above the seed ranges (TCK-1000…, INC-2000…), and capped at the seven digits the id pattern allows.
      'CREATE SEQUENCE ticket_number AS integer START WITH 5000 MINVALUE 5000 MAXVALUE 9999999 NO CYCLE',
      'CREATE SEQUENCE incident_number AS integer START WITH 8000 MINVALUE 8000 MAXVALUE 9999999 NO CYCLE',
      `GRANT USAGE ON SEQUENCE ticket_number, incident_number TO ${DATABASE_ROLES.writer}`,
      `CREATE TABLE write_requests (
        actor           text NOT NULL,
        tool            text NOT NULL,
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
        request_hash    text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        result          jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (actor, tool, idempotency_key)
      )`,
      // No UPDATE: a stored result is final. The reader gets nothing: these are callers' requests, not tickets or incidents.
      `GRANT SELECT, INSERT ON write_requests TO ${DATABASE_ROLES.writer}`,
    ],
  },
];
