/** One stored object. */
export interface BlobEntry {
  readonly key: string;
  readonly etag: string;
  readonly lastModified: Date;
}

/** Read-only access to policy documents (S3 on AWS, a folder locally). */
export interface BlobStore {
  list(): Promise<BlobEntry[]>;
  read(key: string): Promise<string>;
}
