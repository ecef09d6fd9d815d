export { startPolicyReader, policyReaderDefinition, policyReaderTools, libraryFrom, POLICY_READER_NAME } from './service';
export { PolicyReaderEnv } from './config';
export type { PolicyReaderDeps } from './deps';
export { createFolderBlobStore } from './policies/folder-blob-store';
export type { BlobStore, BlobEntry } from './policies/blob-store';
