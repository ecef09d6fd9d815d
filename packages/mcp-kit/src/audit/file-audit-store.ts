import { mkdirSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { AuditRecord } from './audit-record';
import { groupCommit } from './group-commit';
import type { AuditAnomaly, AuditQuery, AuditStore } from './audit-store';

const DAY_MS = 86_400_000;
/** Records written together by one append to a day's file, at most. */
const MAX_GROUP = 256;

/** A record whose key is taken by a different record: the store refuses to overwrite it. */
export class AuditRecordExists extends Error {
  constructor(eventId: string) {
    super(`Audit record ${eventId} already exists; records are never overwritten`);
    this.name = 'AuditRecordExists';
  }
}

interface DayEntry {
  /** Newest-first order within the day: the record's time, then its id. */
  sortKey: string;
  record: AuditRecord;
}

interface DayRead {
  entries: DayEntry[];
  anomalies: AuditAnomaly[];
}

/** What the writer knows of a day's file: each record's key and the hash of its line, and whether the file ends cleanly. */
interface DayWriteState {
  lines: Map<string, string>;
  endsWithNewline: boolean;
}

const stores = new Map<string, AuditStore>();

/**
 * The embedded audit store of a local platform: one append-only JSON Lines file per UTC day in
 * a folder (`2026-12-03.jsonl`), no server of its own to call. Records appended while a write
 * is in flight are written together, in one synchronous append (group commit); each append
 * resolves only once its own record is on disk. A record is never overwritten: its key
 * (server, time, event id) taken by a different record is refused, the same record written again
 * (a retry) is not an error.
 *
 * One writer per folder: stores opened on the same folder in one process are the same store.
 * Readers in other processes (the audit CLI, the digests) read the files as they are; a line
 * cut short by a crash, or edited into something that is not a record, is reported as an anomaly.
 */
export function createFileAuditStore(folder: string): AuditStore {
  const dir = resolve(folder);
  const existing = stores.get(dir);
  if (existing) return existing;
  mkdirSync(dir, { recursive: true });
  const store = fileAuditStore(dir);
  stores.set(dir, store);
  return store;
}

function fileAuditStore(dir: string): AuditStore {
  const writeStates = new Map<string, Promise<DayWriteState>>();
  const reads = new Map<string, { version: string; read: DayRead }>();
  const fileOf = (day: string) => join(dir, `${day}.jsonl`);
  const appender = createDayAppender(fileOf);

  const writeStateOf = (day: string) => {
    let state = writeStates.get(day);
    if (!state) {
      state = loadWriteState(fileOf(day));
      // A state that could not be read is read again on the next write, not remembered as empty.
      state.catch(() => writeStates.delete(day));
      writeStates.set(day, state);
    }
    return state;
  };

  /** Writes the new records of one day in one append; refuses all of them if one would overwrite another record. */
  const writeDay = async (day: string, records: AuditRecord[]) => {
    const state = await writeStateOf(day);
    const lines: string[] = [];
    const taken = new Map<string, string>();
    for (const record of records) {
      const line = JSON.stringify(record);
      const key = recordKey(record);
      const stored = state.lines.get(key) ?? taken.get(key);
      if (stored === undefined) {
        lines.push(line);
        taken.set(key, lineHash(line));
      } else if (stored !== lineHash(line)) {
        throw new AuditRecordExists(record.event_id);
      }
    }
    if (lines.length === 0) return;
    try {
      await appender.write(day, `${state.endsWithNewline ? '' : '\n'}${lines.join('\n')}\n`);
      state.endsWithNewline = true;
    } catch (error) {
      // Part of it may be on disk: the next write starts on a line of its own.
      state.endsWithNewline = false;
      throw error;
    }
    for (const [key, hash] of taken) state.lines.set(key, hash);
  };

  const writeAll = async (records: AuditRecord[]) => {
    const byDay = new Map<string, AuditRecord[]>();
    for (const record of records) {
      const day = dayOf(record.time);
      byDay.set(day, [...(byDay.get(day) ?? []), record]);
    }
    for (const [day, ofDay] of byDay) await writeDay(day, ofDay);
  };

  const readDay = async (day: string): Promise<DayRead> => {
    const file = fileOf(day);
    // A file edited in place, even to the same size, is read again.
    const version = await stat(file).then((stats) => `${stats.ino}:${stats.size}:${stats.mtimeMs}`, () => 'none');
    const cached = reads.get(day);
    if (cached?.version === version) return cached.read;
    const read = version === 'none' ? { entries: [], anomalies: [] } : parseDay(day, file, await readFile(file, 'utf8'));
    reads.set(day, { version, read });
    return read;
  };

  return {
    append: groupCommit<AuditRecord>({
      writeOne: (record) => writeAll([record]),
      writeAll,
      // A batch refused for one record that would overwrite another: each alone, so that only that one fails.
      refusedForAnItem: (error) => error instanceof AuditRecordExists,
      maxBatch: MAX_GROUP,
    }),

    async query(query) {
      const since = query.since.toISOString();
      const until = (query.until ?? new Date()).toISOString();
      const cursor = decodeCursor(query.cursor);
      const records: AuditRecord[] = [];
      const anomalies: AuditAnomaly[] = [];
      const firstDay = dayOf(since);
      let before = cursor.before;
      for (let day = cursor.day ?? dayOf(until); day >= firstDay; day = previousDay(day), before = undefined) {
        const read = await readDay(day);
        // A day's anomalies are reported by the page that starts reading it.
        if (before === undefined) anomalies.push(...read.anomalies);
        for (const entry of read.entries) {
          if ((before !== undefined && entry.sortKey >= before) || !matches(entry.record, query, since, until)) continue;
          if (records.length === query.limit) return { records, anomalies, cursor: encodeCursor({ day, before: sortKeyOf(records[records.length - 1]!) }) };
          records.push(entry.record);
        }
      }
      return { records, anomalies };
    },
  };
}

/** How long the day's file stays open after its last write. */
const IDLE_CLOSE_MS = 1_000;

/**
 * Appends to the day's file through one handle kept open while writes come (opened for
 * synchronous appends: a write returns once its data is on disk, with no separate sync).
 * A write that fails closes the handle, so that the next one opens the file afresh.
 */
function createDayAppender(fileOf: (day: string) => string) {
  let current: { day: string; handle: FileHandle } | undefined;
  let writing = false;
  const close = async () => {
    const closing = current;
    current = undefined;
    await closing?.handle.close().catch(() => undefined);
  };
  const idle = setTimeout(() => {
    if (!writing) void close();
  }, IDLE_CLOSE_MS);
  idle.unref();

  return {
    async write(day: string, text: string): Promise<void> {
      writing = true;
      try {
        if (current?.day !== day) {
          await close();
          current = { day, handle: await open(fileOf(day), 'as') };
        }
        await current.handle.write(text);
      } catch (error) {
        await close();
        throw error;
      } finally {
        writing = false;
        idle.refresh();
      }
    },
  };
}

async function loadWriteState(file: string): Promise<DayWriteState> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const lines = new Map<string, string>();
  for (const line of text.split('\n')) {
    const parsed = parseLine(line);
    if (parsed.success) lines.set(recordKey(parsed.data), lineHash(line));
  }
  return { lines, endsWithNewline: text.length === 0 || text.endsWith('\n') };
}

function parseDay(day: string, file: string, text: string): DayRead {
  const entries: DayEntry[] = [];
  const anomalies: AuditAnomaly[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const location = `${file}:${index + 1}`;
    const parsed = parseLine(line);
    if (!parsed.success) anomalies.push({ location, problem: 'unreadable', detail: parsed.detail });
    // A record moved to another day's file would be missed by queries of its own day.
    else if (dayOf(parsed.data.time) !== day) {
      anomalies.push({ location, problem: 'keys_do_not_match_content', detail: `dated ${parsed.data.time}, stored in the file of ${day} (event ${parsed.data.event_id})` });
    } else entries.push({ sortKey: sortKeyOf(parsed.data), record: parsed.data });
  });
  entries.sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
  return { entries, anomalies };
}

function parseLine(line: string): { success: true; data: AuditRecord } | { success: false; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { success: false, detail: 'not JSON (a line cut short or edited)' };
  }
  const parsed = AuditRecord.safeParse(json);
  if (parsed.success) return { success: true, data: parsed.data };
  return { success: false, detail: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') };
}

function matches(record: AuditRecord, query: AuditQuery, since: string, until: string): boolean {
  return (
    record.time >= since &&
    record.time <= until &&
    (query.actor === undefined || record.actor?.subject === query.actor) &&
    (query.tool === undefined || record.tool === query.tool) &&
    (query.decision === undefined || record.decision === query.decision) &&
    (query.event === undefined || record.event === query.event) &&
    (query.server === undefined || record.server === query.server) &&
    (query.approvalId === undefined || record.approval_id === query.approvalId)
  );
}

const recordKey = (record: AuditRecord) => `${record.server}#${record.time}#${record.event_id}`;
const sortKeyOf = (record: AuditRecord) => `${record.time}#${record.event_id}#${record.server}`;
const lineHash = (line: string) => createHash('sha256').update(line).digest('base64url');

function dayOf(time: string): string {
  return time.slice(0, 10);
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS).toISOString().slice(0, 10);
}

function encodeCursor(cursor: { day: string; before: string }): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { day?: string; before?: string } {
  if (!cursor) return {};
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { day?: unknown; before?: unknown };
    if (typeof decoded.day === 'string' && typeof decoded.before === 'string') return { day: decoded.day, before: decoded.before };
  } catch {
    // fall through
  }
  throw new Error('Invalid audit cursor');
}
