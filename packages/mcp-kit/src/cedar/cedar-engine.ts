import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';

/** Cedar's own engine: the official WebAssembly build of the Rust implementation. */
export type CedarEngine = typeof CedarWasm;
export type { AuthorizationAnswer, DetailedError, EntityJson, PolicyJson, ValidationAnswer } from '@cedar-policy/cedar-wasm/nodejs';

let loading: Promise<CedarEngine> | undefined;

/**
 * The engine, loaded on first use: its module compiles 4 MB of WebAssembly, which a server
 * without call policies never pays for (and a Lambda bundle keeps out of its JavaScript).
 */
export function cedarEngine(): Promise<CedarEngine> {
  // Required, not imported: the build is CommonJS, and importing it from an ES module (a Lambda
  // bundle) first runs Node's scanner of CommonJS exports, itself WebAssembly, on the cold call.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loading ??= new Promise((resolve) => resolve(require('@cedar-policy/cedar-wasm/nodejs') as CedarEngine));
  return loading;
}
