export { opsWriterServer, startOpsWriter, prepareOpsWriter, opsWriterDefinition, opsWriterTools, OPS_WRITER_NAME } from './service';
export { OpsWriterEnv, parseOpsWriterEnv } from './config';
export type { OpsWriterDeps } from './deps';
