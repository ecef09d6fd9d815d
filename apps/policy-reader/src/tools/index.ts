import { getPolicy } from './get-policy';
import { listPolicies } from './list-policies';
import { searchPolicies } from './search-policies';

/** The policy reader's tools, in the order clients list them (`nx g @gmcp/generators:tool` appends here). */
export const policyReaderTools = [searchPolicies, getPolicy, listPolicies];
