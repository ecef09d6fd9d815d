import { createLogger } from '@gmcp/mcp-kit';
import { ReadOnlyViolationError } from '@gmcp/ops-data';
import { parseOpsReaderEnv } from '../src/config';
import { openReaderDatabase } from '../src/database';

describe('the reader database', () => {
  it('is seeded locally and refuses anything but a read, before and inside the database', async () => {
    const env = parseOpsReaderEnv({ AUTH_ISSUER: 'http://127.0.0.1:4100', AUDIT_HMAC_KEY: Buffer.alloc(32, 1).toString('base64') });
    const database = await openReaderDatabase(env, createLogger('test', 'SILENT'));
    try {
      const { rows } = await database.executor.query({ sql: 'SELECT count(*)::int AS n, current_user AS who FROM tickets' });
      expect(rows[0]).toEqual({ n: expect.any(Number), who: 'gmcp_ops_read' });
      expect(rows[0]!.n).toBeGreaterThanOrEqual(200);
      await expect(database.executor.query({ sql: "UPDATE tickets SET status = 'closed'" })).rejects.toBeInstanceOf(ReadOnlyViolationError);
      await expect(database.executor.transaction(async () => undefined)).rejects.toBeInstanceOf(ReadOnlyViolationError);
    } finally {
      await database.close();
    }
  });
});
