/**
 * The Lambda entries (`@gmcp/mcp-kit/lambda`): an app's `lambda.ts` exports
 * `lambdaEntries(server)`; the scheduled audit digest has its own.
 */
export { lambdaEntries } from './lambda/lambda-entries';
export { httpApiHandler, expressHttpApiHandler, clientAddress, type HttpApiHandler, type WarmableHttpApiHandler } from './lambda/http-api-handler';
export { createLambdaService, fetchKeysEarly, readAhead, type ReadAhead } from './lambda/lambda-service';
export { approvalTaskHandlers } from './lambda/approval-task-handlers';
export { approvalBacklogHandler } from './lambda/approval-backlog-handler';
export { auditDigestHandler } from './lambda/audit-digest-handler';
export { runNotifierTask, type NotifierTaskInput } from './approvals/workflow-tasks';
export { withSecretParameters, readStartupParameters, SECRET_VARIABLES, type StartupParameters } from './lambda/secret-parameters';
export { once } from './lambda/once';
export { awsClientConfig, type AwsClientOptions } from './aws/clients';
