import { hkdfSync, randomBytes } from 'node:crypto';
import { hmacOf, signatureMatches } from '../signing/hmac';

/** Seals paging cursors for one caller: a cursor opens only for the caller and server it was made for. */
export interface CursorSeal {
  seal(payload: unknown): string;
  /** The payload of a cursor sealed for this caller, or undefined for a forged, altered or foreign one. */
  open(cursor: string): unknown;
}

/** Seals per caller, all keyed by one server key. */
export type CursorSeals = (subject: string) => CursorSeal;

/**
 * The server's cursor key, derived (HKDF) from its record-signing secret and its name: stable
 * across instances and restarts, distinct per server, and never the secret itself.
 */
export function cursorKeyFrom(secret: Buffer, server: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.from(server), 'gmcp paging cursors', 32));
}

/** HMAC-sealed cursors: `<payload, base64url>.<HMAC over subject and payload>`. Without a key, one random per process (tests). */
export function createCursorSeals(key: Buffer = randomBytes(32)): CursorSeals {
  return (subject) => ({
    seal(payload) {
      const content = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${content}.${hmacOf(key, { subject, content })}`;
    },
    open(cursor) {
      const [content, mac, ...rest] = cursor.split('.');
      if (!content || !mac || rest.length > 0 || !signatureMatches(hmacOf(key, { subject, content }), mac)) return undefined;
      try {
        return JSON.parse(Buffer.from(content, 'base64url').toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  });
}
