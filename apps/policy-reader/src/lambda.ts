import { lambdaEntries } from '@gmcp/mcp-kit/lambda';
import { policyReaderServer } from './server';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(policyReaderServer);
