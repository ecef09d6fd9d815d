import { lambdaEntries } from '@gmcp/mcp-kit';
import { OPS_READER_NAME, prepareOpsReader } from './service';

/** Lambda entry behind API Gateway (HTTP API, payload format 2.0). */
export const { handler } = lambdaEntries(OPS_READER_NAME, prepareOpsReader);
