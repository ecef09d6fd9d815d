export { opsReaderServer } from './server';
export { opsReaderTools } from './tools';
export { OpsReaderEnv } from './config';
export type { OpsReaderDeps } from './deps';
