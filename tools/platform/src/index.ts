export { startPlatform, serverEnv, type Platform } from './start';
export * from './local-contract';
