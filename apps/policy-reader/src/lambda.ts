import { lambdaEntries } from '@gmcp/mcp-kit';
import { policyReaderServer } from './service';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(policyReaderServer.name, policyReaderServer.prepare);
