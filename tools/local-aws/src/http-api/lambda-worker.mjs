// A Lambda execution environment in a fresh Node process: imports one bundled handler
// module and answers invocations sent over IPC. Plain JavaScript, run without tsx or
// jest, so that what loads is exactly the bundle.
const started = performance.now();
const cpuAtStart = process.cpuUsage();
// CPU time of every thread of the process (the compiler's and the collector's too) since the worker started.
const cpuMs = () => {
  const { user, system } = process.cpuUsage(cpuAtStart);
  return (user + system) / 1000;
};
const [bundle] = process.argv.slice(2);
const context = (requestId) => ({
  awsRequestId: requestId,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:local`,
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/local',
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 20_000,
  done() {},
  fail() {},
  succeed() {},
});

const serialize = (error) => ({ errorType: error?.name ?? 'Error', errorMessage: error?.message ?? String(error) });

try {
  const module = await import(bundle);
  const loadedMs = performance.now() - started;
  process.on('message', async ({ id, exportName, event }) => {
    const handler = module[exportName];
    if (typeof handler !== 'function') return process.send({ id, error: { errorType: 'Runtime.HandlerNotFound', errorMessage: `${exportName} is not exported` } });
    const invokedAt = performance.now();
    try {
      const result = await handler(event, context(`local-${id}`));
      process.send({ id, result: result ?? null, durationMs: performance.now() - invokedAt, sinceStartMs: performance.now() - started, cpuSinceStartMs: cpuMs() });
    } catch (error) {
      process.send({ id, error: serialize(error), durationMs: performance.now() - invokedAt, sinceStartMs: performance.now() - started });
    }
  });
  process.send({ ready: true, loadedMs, loadCpuMs: cpuMs(), exports: Object.keys(module) });
} catch (error) {
  process.send({ ready: false, error: serialize(error) });
  process.exitCode = 1;
}
