import { lambdaEntries } from '@gmcp/mcp-kit';
import { POLICY_READER_NAME, preparePolicyReader } from './service';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(POLICY_READER_NAME, preparePolicyReader);
