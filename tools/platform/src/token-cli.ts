import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Duration, loadOrCreateSigningKey, mintAccessToken, readSigningKey, type SigningKey } from '@gmcp/dev-issuer';
import { APPROVER_SCOPE, METRICS_SCOPE } from '@gmcp/mcp-kit/platform';
import { SERVER_MODULES } from '@gmcp/infra';
import { SERVER_NAMES, serverUses, type ServerName } from '@gmcp/infra/servers';
import { devGroupsOf, isMcpServerName, localAudience, localIssuer, signingKeyPath, stateDir } from './local-contract';

const USAGE = `Usage: npm run token -- --sub <subject> --scope "<scopes>" [--aud <server|url>] [--ttl <duration>] [--client-id <id>] [--groups "<groups>"]

  --sub        subject of the token (the user), e.g. alice
  --scope      space-separated scopes, e.g. "policies:read tickets:read"
  --aud        a server (${SERVER_NAMES.join(', ')}; policy-reader by default) or an audience URL
  --ttl        lifetime: 90s, 15m, 1h (default), 7d
  --client-id  client id claim (default dev-cli)
  --groups     space-separated groups claim, which call policies read (default: the
               development user's groups in config/dev-users.json; "" for none)

Prints only the token on stdout. Assistants connect by OAuth instead (docs/connect-an-assistant.md).`;

const Args = z.object({
  sub: z.string({ error: '--sub is required' }).min(1),
  scope: z.string().default(''),
  aud: z
    .string()
    .refine((value) => isMcpServerName(value) || URL.canParse(value), `must be a server (${SERVER_NAMES.join(', ')}) or a URL`)
    .default('policy-reader'),
  ttl: Duration.pipe(z.number().min(1, 'must be at least 1s').max(30 * 86400, 'must be at most 30d')).default(3600),
  'client-id': z.string().min(1).default('dev-cli'),
  groups: z.string().optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      scope: { type: 'string' },
      aud: { type: 'string' },
      ttl: { type: 'string' },
      'client-id': { type: 'string' },
      groups: { type: 'string' },
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
  const scopes = args.scope.split(/\s+/).filter(Boolean);
  const undefinedScopes = scopes.filter((scope) => !definedScopes(args.aud).includes(scope));
  if (undefinedScopes.length) {
    console.error(scopeRefusal(args.aud, undefinedScopes));
    process.exitCode = 2;
    return;
  }
  const key = await signingKeyFor(localIssuer());
  if (typeof key === 'string') {
    console.error(key);
    process.exitCode = 1;
    return;
  }
  const token = await mintAccessToken(key, {
    issuer: localIssuer(),
    subject: args.sub,
    audience: isMcpServerName(args.aud) ? localAudience(args.aud) : args.aud,
    scopes,
    clientId: args['client-id'],
    groups: args.groups === undefined ? devGroupsOf(args.sub) : args.groups.split(/\s+/).filter(Boolean),
    ttlSeconds: args.ttl,
  });
  process.stdout.write(`${token}\n`);
}

/** The scopes a token for the audience can use: its server's (or, for an audience URL, any server's), the operators' metrics scope, and the approval API's on a server that has one. */
function definedScopes(audience: string): string[] {
  const servers: ServerName[] = isMcpServerName(audience) ? [audience] : [...SERVER_NAMES];
  return [...new Set(servers.flatMap((server) => [...SERVER_MODULES[server].scopes, METRICS_SCOPE, ...(serverUses(server, 'approvals') ? [APPROVER_SCOPE] : [])]))].sort();
}

function scopeRefusal(audience: string, scopes: readonly string[]): string {
  const target = isMcpServerName(audience) ? audience : 'any server';
  const elsewhere = SERVER_NAMES.filter((server) => scopes.every((scope) => definedScopes(server).includes(scope)));
  const hint = isMcpServerName(audience) && elsewhere.length ? ` They are ${elsewhere.join("'s and ")}'s: add --aud ${elsewhere[0]}.` : '';
  return `--scope: ${scopes.join(', ')} ${scopes.length === 1 ? 'is' : 'are'} not defined by ${target}, so the token would be refused.${hint} Scopes of ${target}: ${definedScopes(audience).join(', ')}`;
}

/**
 * This state folder's signing key, or why a token signed with it would be refused: the servers
 * trust the running issuer's key, which lives in the state folder npm start was given. A
 * folder with no key yet gets one only when no issuer is running (nothing to disagree with).
 */
async function signingKeyFor(issuer: string): Promise<SigningKey | string> {
  const published = await fetch(`${issuer}/.well-known/jwks.json`, { signal: AbortSignal.timeout(1500) })
    .then(async (response) => ((await response.json()) as { keys?: { kid?: string }[] }).keys ?? [])
    .catch(() => undefined);
  if (published === undefined) {
    console.error(`Note: no issuer answers at ${issuer} (is npm start running?). The token is signed with the key in ${stateDir()}.`);
    return loadOrCreateSigningKey(signingKeyPath());
  }
  const key = await readSigningKey(signingKeyPath());
  const otherFolder = `The issuer running at ${issuer} signs with another key than this state folder's (${stateDir()}): the servers would refuse this token. Run npm run token with the same GMCP_STATE_DIR as npm start.`;
  if (!key || !published.some((candidate) => candidate.kid === key.kid)) return otherFolder;
  return key;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
