import type { PolicyLibrary } from './policies/policy-library';

/** The adapters the policy reader's tools use, chosen by configuration in `service.ts`. */
export interface PolicyReaderDeps {
  /** The indexed corpus, loaded on first use and then kept in memory. */
  library(): Promise<PolicyLibrary>;
}
