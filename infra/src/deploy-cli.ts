import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { createSsmClient } from '@gmcp/mcp-kit/platform';
import { deploymentPlan, serviceTargets, type DeployableService } from './deployment';
import { preflight, type PreflightCheck } from './preflight';
import { SERVER_NAMES } from './servers';
import { loadStageConfig, type StageConfig } from './stage-config';

// See tools/jest/setup-env.js: the notice concerns SDK releases after January 2027.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DEPLOYABLE: readonly DeployableService[] = [...SERVER_NAMES, 'console'];

const USAGE = `npm run deploy -- --stage <stage> [--service <${DEPLOYABLE.join('|')}>]... [--dry-run | --preflight] [--skip-preflight]

Checks what the stage needs before a deploy (the operator's keys in SSM, the issuer's
published RSA keys), builds the Lambda bundles, then runs \`sst deploy --stage <stage>\`.
With --service, only that service's components are deployed (sst --target); the first
deployment of a stage must deploy everything. --preflight only runs the checks; --dry-run
only prints the sst command. The stage's settings are infra/stages/<stage>.json.`;

/** The `sst` arguments for a deployment: the whole stage, or only the named services' components. */
export function sstDeployArgs(config: StageConfig, services: readonly DeployableService[]): string[] {
  const targets = [...new Set(services.flatMap((service) => serviceTargets(service, config)))];
  return ['sst', 'deploy', '--stage', config.stage, ...(targets.length ? ['--target', targets.join(',')] : [])];
}

/** One line per check; true when all passed. */
export function reportPreflight(checks: readonly PreflightCheck[], print: (line: string) => void = console.log): boolean {
  for (const { check, ok, detail } of checks) print(`${ok ? 'ok  ' : 'FAIL'} ${check}: ${detail}`);
  return checks.every((check) => check.ok);
}

const OPTIONS = {
  stage: { type: 'string' },
  service: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  preflight: { type: 'boolean' },
  'skip-preflight': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS }));
  } catch (error) {
    return console.error(`${(error as Error).message}\n\n${USAGE}`), 2;
  }
  if (values.help) return console.log(USAGE), 0;
  const services = values.service ?? [];
  const unknown = services.filter((service) => !(DEPLOYABLE as readonly string[]).includes(service));
  const problem = unknown.length ? `Unknown service: ${unknown.join(', ')}` : values['dry-run'] && values.preflight ? '--dry-run and --preflight exclude each other' : !values.stage ? '--stage is required' : undefined;
  if (problem) return console.error(`${problem}\n\n${USAGE}`), 2;
  const config = loadStageConfig(values.stage!);
  const args = sstDeployArgs(config, services as DeployableService[]);
  if (values['dry-run']) return console.log(`npx ${args.join(' ')}`), 0;
  if (!values['skip-preflight']) {
    const ssm = createSsmClient({ region: config.region, endpoint: process.env.SSM_ENDPOINT || undefined });
    const lambda = new LambdaClient({ region: config.region, ...(process.env.LAMBDA_ENDPOINT ? { endpoint: process.env.LAMBDA_ENDPOINT } : {}) });
    const rds = new RDSClient({ region: config.region, ...(process.env.RDS_ENDPOINT ? { endpoint: process.env.RDS_ENDPOINT } : {}) });
    const passed = reportPreflight(await preflight(deploymentPlan(config.stage), { ssm, lambda, rds }));
    ssm.destroy();
    lambda.destroy();
    rds.destroy();
    if (values.preflight || !passed) return passed ? 0 : 1;
  }
  console.log(`npx ${args.join(' ')}`);
  for (const command of [['npm', 'run', 'build:lambda'], ['npx', ...args]]) {
    const result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
