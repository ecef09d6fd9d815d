import { createMetricStore, evaluateAlarm, recordApiRequest, recordLambdaInvocation, type MetricAlarmDefinition } from '../src';

const MINUTE = 60_000;
const T = Date.UTC(2026, 11, 4, 9, 0, 0);

const errorsAlarm = (overrides: Partial<MetricAlarmDefinition> = {}): MetricAlarmDefinition => ({
  name: 'digest-failing',
  namespace: 'AWS/Lambda',
  metricName: 'Errors',
  dimensions: { FunctionName: 'digest' },
  statistic: 'Sum',
  periodSeconds: 300,
  evaluationPeriods: 2,
  threshold: 1,
  comparisonOperator: 'GreaterThanOrEqualToThreshold',
  treatMissingData: 'breaching',
  ...overrides,
});

const emf = (timestamp: number, dimensions: string[][], members: Record<string, unknown>) =>
  JSON.stringify({ _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: 'GovernedMcp', Dimensions: dimensions, Metrics: [{ Name: 'AuthFailures', Unit: 'Count' }] }] }, ...members });

describe('metric store', () => {
  it('extracts every dimension set of an EMF line, with the values the line holds', () => {
    const store = createMetricStore();
    expect(store.ingestLogLine(emf(T, [['service', 'reason'], ['service']], { service: 'policy-reader', reason: 'expired', AuthFailures: 1 }))).toBe(2);
    expect(store.ingestLogLine(emf(T, [['service']], { service: 'policy-reader', AuthFailures: [1, 1] }))).toBe(2);
    expect(store.values({ namespace: 'GovernedMcp', metricName: 'AuthFailures', dimensions: { service: 'policy-reader' } }, T - MINUTE, T)).toEqual([1, 1, 1]);
    expect(store.values({ namespace: 'GovernedMcp', metricName: 'AuthFailures', dimensions: { service: 'policy-reader', reason: 'expired' } }, T - MINUTE, T)).toEqual([1]);
  });

  it('ignores lines that are not EMF (plain logs, JSON without the directive, broken JSON)', () => {
    const store = createMetricStore();
    for (const line of ['server started', '{"level":"INFO","message":"hello"}', '{"_aws": {', '{"_aws":{"Timestamp":"soon"}}']) expect(store.ingestLogLine(line)).toBe(0);
    expect(store.all()).toEqual([]);
  });
});

describe('alarm evaluation, as CloudWatch does it', () => {
  it('a metric that counts missing data as breaching is in ALARM with no data at all (a fresh stage without a first run)', () => {
    expect(evaluateAlarm(errorsAlarm(), createMetricStore(), T).state).toBe('ALARM');
  });

  it('one run in the evaluated periods keeps it OK; two silent periods page', () => {
    const store = createMetricStore();
    recordLambdaInvocation(store, 'digest', { ok: true, durationMs: 120 }, T);
    expect(evaluateAlarm(errorsAlarm(), store, T + 1000)).toMatchObject({ state: 'OK', periods: [{ value: undefined, breaching: true }, { value: 0, breaching: false }] });
    expect(evaluateAlarm(errorsAlarm(), store, T + 6 * MINUTE).state).toBe('OK');
    expect(evaluateAlarm(errorsAlarm(), store, T + 10 * MINUTE + 1000).state).toBe('ALARM');
  });

  it('a failed run breaches in its period; with one evaluation period it alarms at once', () => {
    const store = createMetricStore();
    recordLambdaInvocation(store, 'digest', { ok: false, durationMs: 5 }, T);
    expect(evaluateAlarm(errorsAlarm({ evaluationPeriods: 1 }), store, T + 1000).state).toBe('ALARM');
    expect(evaluateAlarm(errorsAlarm({ datapointsToAlarm: 1 }), store, T + 1000).state).toBe('ALARM');
  });

  it('sums a period and compares it with the threshold; missing data as not breaching stays OK; `missing` with none is INSUFFICIENT_DATA', () => {
    const store = createMetricStore();
    const fiveXx = errorsAlarm({ namespace: 'AWS/ApiGateway', metricName: '5xx', dimensions: { ApiId: 'api1', Stage: '$default' }, threshold: 3, evaluationPeriods: 1, treatMissingData: 'notBreaching' });
    expect(evaluateAlarm(fiveXx, store, T).state).toBe('OK');
    for (const status of [200, 500, 502, 404]) recordApiRequest(store, 'api1', status, 10, T);
    expect(evaluateAlarm(fiveXx, store, T)).toMatchObject({ state: 'OK', periods: [{ value: 2 }] });
    recordApiRequest(store, 'api1', 503, 10, T);
    expect(evaluateAlarm(fiveXx, store, T).state).toBe('ALARM');
    // Another API's answers are another metric.
    expect(evaluateAlarm({ ...fiveXx, dimensions: { ApiId: 'api2', Stage: '$default' } }, store, T).state).toBe('OK');
    expect(evaluateAlarm({ ...fiveXx, dimensions: { ApiId: 'api2', Stage: '$default' }, treatMissingData: 'missing' }, store, T).state).toBe('INSUFFICIENT_DATA');
  });

  it('takes the maximum for a gauge', () => {
    const store = createMetricStore();
    const backlog = errorsAlarm({ namespace: 'GovernedMcp', metricName: 'ApprovalBacklogAgeSeconds', dimensions: { service: 'ops-writer' }, statistic: 'Maximum', threshold: 1800 });
    for (const [at, age] of [[T - 6 * MINUTE, 1900], [T - MINUTE, 100], [T, 2000]] as const) store.put({ namespace: 'GovernedMcp', metricName: 'ApprovalBacklogAgeSeconds', dimensions: { service: 'ops-writer' }, value: age, timestamp: at });
    expect(evaluateAlarm(backlog, store, T)).toMatchObject({ state: 'ALARM', periods: [{ value: 1900 }, { value: 2000 }] });
  });
});
