export { policyReaderServer, startPolicyReader, preparePolicyReader, policyReaderDefinition, policyReaderTools, POLICY_READER_NAME } from './service';
export { PolicyReaderEnv, parsePolicyReaderEnv, DEFAULT_CORPUS_DIR } from './config';
export type { PolicyReaderDeps } from './deps';
export { createFolderBlobStore } from './policies/folder-blob-store';
export { createS3BlobStore } from './policies/s3-blob-store';
export { createPolicyLibrary, type PolicyLibrary, type PolicyLibraryProvider, type PolicyFilters } from './policies/policy-library';
export { INDEX_KEY, type BlobStore, type BlobEntry } from './policies/blob-store';
export { policyStoreFrom } from './policy-store';
