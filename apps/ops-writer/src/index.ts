export { opsWriterServer } from './server';
export { opsWriterTools } from './tools';
export { OpsWriterEnv } from './config';
export type { OpsWriterDeps } from './deps';
