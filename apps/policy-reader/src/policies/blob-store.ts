/** One stored object. */
export interface BlobEntry {
  readonly key: string;
  readonly etag: string;
  readonly lastModified: Date;
}

/**
 * Policy documents under one configured location (an S3 bucket and prefix on AWS,
 * a folder locally). Keys are relative to that location and cannot leave it.
 */
export interface BlobStore {
  readonly description: string;
  /** Every document (Markdown or text) under the location, with its ETag. */
  list(): Promise<BlobEntry[]>;
  read(key: string): Promise<string>;
  /** Reads an object if it exists (used for the prebuilt index). */
  readOptional(key: string): Promise<string | undefined>;
  write(key: string, body: string): Promise<void>;
}

export const DOCUMENT_KEY = /\.(md|markdown|txt)$/i;
/** Where the prebuilt index lives, relative to the location; never listed as a document. */
export const INDEX_KEY = '_index/policy-index.json';

/**
 * Refuses keys that could leave the configured location: absolute, with `..` or empty
 * segments, backslashes, or control characters.
 */
export function assertConfinedKey(key: string): void {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    [...key].some((character) => character.charCodeAt(0) < 0x20) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new KeyOutsideLocationError(key);
}

export class KeyOutsideLocationError extends Error {
  constructor(key: string) {
    super(`Key "${key.slice(0, 200)}" is not inside the policy location`);
    this.name = 'KeyOutsideLocationError';
  }
}
