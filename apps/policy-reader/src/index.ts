export { policyReaderServer } from './server';
export { policyReaderTools } from './tools';
export { PolicyReaderEnv, DEFAULT_CORPUS_DIR } from './config';
export type { PolicyReaderDeps } from './deps';
export { createFolderBlobStore } from './policies/folder-blob-store';
export { createS3BlobStore } from './policies/s3-blob-store';
export { createPolicyLibrary, type PolicyLibrary, type PolicyLibraryProvider, type PolicyFilters } from './policies/policy-library';
export { INDEX_KEY, type BlobStore, type BlobEntry } from './policies/blob-store';
export { policyStoreFrom } from './policy-store';
