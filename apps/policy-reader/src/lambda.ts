import { lambdaEntries } from '@gmcp/mcp-kit/lambda';
import { policyReaderServer } from './server';

const entries = lambdaEntries(policyReaderServer);

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = entries;
// The API function builds its service in Lambda's INIT phase (ahead of any request with provisioned concurrency).
await entries.ready;
