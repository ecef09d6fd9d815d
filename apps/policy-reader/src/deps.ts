import { toolsFor } from '@gmcp/mcp-kit';
import type { PolicyLibrary } from './policies/policy-library';

/** The adapters the policy reader's tools use, chosen by configuration in `service.ts`. */
export interface PolicyReaderDeps {
  /** The indexed corpus, refreshed by ETag when older than the refresh interval. */
  library(): Promise<PolicyLibrary>;
}

/** `defineTool` for this server's tools: a handler's `ctx.deps` is PolicyReaderDeps, with no annotation. */
export const tool = toolsFor<PolicyReaderDeps>();
