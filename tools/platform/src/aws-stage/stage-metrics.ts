import { allAlarms, auditDigestAlarm, SERVER_NAMES, type ServerName, type StageConfig } from '@gmcp/infra';
import { createMetricStore, evaluateAlarm, recordLambdaInvocation, startLambdaProcess, type AlarmEvaluation, type LambdaProcess, type MetricStore } from '@gmcp/local-aws';

/**
 * The stage's CloudWatch on loopback: what its functions log as EMF, what Lambda and API Gateway
 * report for each invocation and request, and the stage's alarms (the same specs `sst.config.ts`
 * creates) evaluated against them.
 */
export interface StageMetrics {
  readonly store: MetricStore;
  /** The API id each deployed server's gateway reports its metrics under. */
  apiId(service: ServerName): string;
  /** Starts a bundle as a function (its log silent), its EMF lines and each invocation reported under `functionName`. */
  startFunction(bundle: string, env: Record<string, string>, functionName: string): Promise<LambdaProcess>;
  /** Every alarm of the stage (each server's and the audit digest's), as CloudWatch would evaluate it at `at`. */
  alarms(at?: number): AlarmEvaluation[];
}

export function createStageMetrics(config: StageConfig): StageMetrics {
  const store = createMetricStore();
  const apiId = (service: ServerName) => `loopback-${service}`;
  return {
    store,
    apiId,
    async startFunction(bundle, env, functionName) {
      const process = await startLambdaProcess(bundle, env, { silent: true, onLogLine: (line) => void store.ingestLogLine(line) });
      return {
        ...process,
        async invoke(exportName, event) {
          const invocation = await process.invoke(exportName, event);
          recordLambdaInvocation(store, functionName, invocation);
          return invocation as never;
        },
      };
    },
    alarms(at = Date.now()) {
      const apiIds = Object.fromEntries(SERVER_NAMES.map((service) => [service, apiId(service)])) as Record<ServerName, string>;
      return [...allAlarms(config, apiIds), auditDigestAlarm(config)].map((alarm) => evaluateAlarm(alarm, store, at));
    },
  };
}
