import { consoleHandler } from './console-handler';

/** The console's Lambda entry. */
export const handler = consoleHandler(process.env);
// Built in Lambda's INIT phase (the client secret from SSM, the stores, the express app), not by the first request; INIT waits 8 s at most.
await handler.warm();
