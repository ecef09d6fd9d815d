export { opsReaderServer, startOpsReader, prepareOpsReader, opsReaderDefinition, opsReaderTools, OPS_READER_NAME } from './service';
export { OpsReaderEnv, parseOpsReaderEnv } from './config';
export type { OpsReaderDeps } from './deps';
