import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { serviceTargets } from './deployment';
import { loadStageConfig, SERVICE_NAMES, type ServiceName, type StageConfig } from './stage-config';

const USAGE = `npm run deploy -- --stage <stage> [--service <${SERVICE_NAMES.join('|')}>]... [--dry-run]

Builds the Lambda bundles, then runs \`sst deploy --stage <stage>\`. With --service, only
that service's components are deployed (sst --target); the first deployment of a stage
must deploy everything. The stage's settings are infra/stages/<stage>.json.`;

/** The `sst` arguments for a deployment: the whole stage, or only the named services' components. */
export function sstDeployArgs(config: StageConfig, services: readonly ServiceName[]): string[] {
  const targets = [...new Set(services.flatMap((service) => serviceTargets(service, config)))];
  return ['sst', 'deploy', '--stage', config.stage, ...(targets.length ? ['--target', targets.join(',')] : [])];
}

function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { stage: { type: 'string' }, service: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(USAGE), 0;
  const services = values.service ?? [];
  const unknown = services.filter((service) => !(SERVICE_NAMES as readonly string[]).includes(service));
  if (!values.stage || unknown.length) {
    console.error(unknown.length ? `Unknown service: ${unknown.join(', ')}\n\n${USAGE}` : USAGE);
    return 2;
  }
  const args = sstDeployArgs(loadStageConfig(values.stage), services as ServiceName[]);
  console.log(`npx ${args.join(' ')}`);
  if (values['dry-run']) return 0;
  for (const command of [['npm', 'run', 'build:lambda'], ['npx', ...args]]) {
    const result = spawnSync(command[0]!, command.slice(1), { stdio: 'inherit' });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
