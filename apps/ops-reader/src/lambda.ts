import { lambdaEntries } from '@gmcp/mcp-kit/lambda';
import { opsReaderServer } from './server';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(opsReaderServer);
