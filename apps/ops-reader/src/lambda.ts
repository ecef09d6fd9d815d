import { lambdaEntries } from '@gmcp/mcp-kit';
import { opsReaderServer } from './service';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(opsReaderServer.name, opsReaderServer.prepare);
