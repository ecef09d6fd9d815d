import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, mintAccessToken } from '@gmcp/dev-issuer';
import { localAudience, localIssuer, signingKeyPath } from './local-contract';

const USAGE = `Usage: npm run approvals -- <command> [options]

  list [--status pending|approved|rejected|expired|executing|executed|failed]
  show <approval-id>
  approve <approval-id>
  reject <approval-id> --reason "<why>"

  --as <subject>   the approver (default: $USER; required when USER is unset); never the requester
  --json           print the API's JSON

Talks to the running writer's approval API (npm start) with a local token for the approver (scope approvals:decide).`;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function callApi(method: 'GET' | 'POST', path: string, approver: string | undefined, body?: unknown): Promise<Answer> {
  const audience = localAudience('ops-writer');
  const token = await mintAccessToken(await loadOrCreateSigningKey(signingKeyPath()), {
    issuer: localIssuer(),
    subject: approver!,
    audience,
    scopes: ['approvals:decide'],
    clientId: 'approvals-cli',
    ttlSeconds: 300,
  });
  const url = new URL(`/approvals${path}`, audience);
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  }).catch((error: unknown) => {
    throw new Error(`The writer is not reachable at ${url.origin} (is npm start running?): ${(error as Error).message}`);
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function line(approval: Record<string, unknown>): string {
  return [approval.approval_id, approval.status, approval.tool, `by ${String(approval.requester)}`, `at ${String(approval.requested_at)}`, `expires ${String(approval.expires_at)}`].join('  ');
}

function describe(approval: Record<string, unknown>): string {
  const fields = ['approval_id', 'tool', 'status', 'requester', 'requested_at', 'expires_at', 'decided_by', 'decided_at', 'reason', 'executed_at'];
  const text = fields.filter((field) => approval[field] !== null && approval[field] !== undefined).map((field) => `${field.padEnd(13)} ${String(approval[field])}`);
  if (approval.arguments) text.push(`arguments     ${JSON.stringify(approval.arguments)}`);
  if (approval.result) text.push(`result        ${JSON.stringify(approval.result)}`);
  return text.join('\n');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { as: { type: 'string' }, reason: { type: 'string' }, status: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const [command, id] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const approver = values.as ?? process.env.USER;
  const needsId = command === 'show' || command === 'approve' || command === 'reject';
  const problem =
    !command || !['list', 'show', 'approve', 'reject'].includes(command) || (needsId && !id)
      ? ''
      : !approver
        ? 'Say who you are with --as <subject> (USER is not set).'
        : command === 'reject' && !values.reason?.trim()
          ? 'A rejection needs --reason.'
          : undefined;
  if (problem !== undefined) {
    console.error(problem ? `${problem}\n\n${USAGE}` : USAGE);
    return 2;
  }
  const answer =
    command === 'list'
      ? await callApi('GET', `?status=${encodeURIComponent(values.status ?? 'pending')}`, approver)
      : command === 'show'
        ? await callApi('GET', `/${encodeURIComponent(id!)}`, approver)
        : await callApi('POST', `/${encodeURIComponent(id!)}/decision`, approver, { decision: command, reason: values.reason });
  if (answer.status >= 400) {
    console.error(`Refused (${answer.status}): ${String(answer.body.error_description ?? answer.body.error ?? 'error')}`);
    return 1;
  }
  if (values.json) console.log(JSON.stringify(answer.body, null, 2));
  else if (command === 'list') {
    const approvals = answer.body.approvals as Record<string, unknown>[];
    console.log(approvals.length ? approvals.map(line).join('\n') : `No ${values.status ?? 'pending'} approvals.`);
  } else console.log(describe(answer.body));
  // An approval whose call then failed is not a success for whoever scripted the approval.
  return answer.body.status === 'failed' ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
