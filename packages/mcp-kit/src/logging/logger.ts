import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';

/** Structured JSON logger (Powertools): one line per event, CloudWatch-ready on Lambda. */
export type Logger = PowertoolsLogger;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export function createLogger(serviceName: string, logLevel: LogLevel): Logger {
  return new PowertoolsLogger({ serviceName, logLevel });
}
