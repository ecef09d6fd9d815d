export { verifyAuditDigests, recordHash, digestHash, keyIdOf, DIGEST_VERSION, type AuditDigest, type VerifyReport, type RangeReport, type Finding, type FindingKind } from './digest-core';
export { createEd25519DigestSigner, type DigestSigner } from './digest-signer';
export { createFolderDigestStore, parseDigest, digestKey, AuditDigestSchema, type DigestStore } from './digest-store';
export { createAuditDigest, recordsIn, type DigestOptions } from './create-digest';
export { exportLines, parseExport, formatReport } from './digest-export';
export { createKmsDigestSigner, createKmsClient } from './kms-digest-signer';
export { createS3DigestStore, createDigestS3Client, DIGEST_PREFIX, PUBLIC_KEY_OBJECT } from './s3-digest-store';
