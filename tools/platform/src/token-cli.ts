import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Duration, loadOrCreateSigningKey, mintAccessToken } from '@gmcp/dev-issuer';
import { SERVER_NAMES } from '@gmcp/infra/servers';
import { isMcpServerName, localAudience, localIssuer, signingKeyPath } from './local-contract';

const USAGE = `Usage: npm run token -- --sub <subject> --scope "<scopes>" [--aud <server|url>] [--ttl <duration>] [--client-id <id>]

  --sub        subject of the token (the user), e.g. alice
  --scope      space-separated scopes, e.g. "policies:read tickets:read"
  --aud        a server (${SERVER_NAMES.join(', ')}; policy-reader by default) or an audience URL
  --ttl        lifetime: 90s, 15m, 1h (default), 7d
  --client-id  client id claim (default dev-cli)

Prints only the token on stdout.`;

const Args = z.object({
  sub: z.string({ error: '--sub is required' }).min(1),
  scope: z.string().default(''),
  aud: z
    .string()
    .refine((value) => isMcpServerName(value) || URL.canParse(value), `must be a server (${SERVER_NAMES.join(', ')}) or a URL`)
    .default('policy-reader'),
  ttl: Duration.pipe(z.number().min(1, 'must be at least 1s').max(30 * 86400, 'must be at most 30d')).default(3600),
  'client-id': z.string().min(1).default('dev-cli'),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string' },
      aud: { type: 'string' },
      ttl: { type: 'string' },
      'client-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('\n')}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const args = parsed.data;
  const key = await loadOrCreateSigningKey(signingKeyPath());
  const token = await mintAccessToken(key, {
    issuer: localIssuer(),
    subject: args.sub,
    audience: isMcpServerName(args.aud) ? localAudience(args.aud) : args.aud,
    scopes: args.scope.split(/\s+/).filter(Boolean),
    clientId: args['client-id'],
    ttlSeconds: args.ttl,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
