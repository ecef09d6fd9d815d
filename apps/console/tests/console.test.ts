import { APPROVER_SCOPE } from '@gmcp/mcp-kit/platform';
import { CONSOLE_CLIENT_SCOPES } from '../src/deployment-contract';
import { html, escapeHtml } from '../src/html';
import { csrfMatches, safeReturnPath } from '../src/sessions/session-store';
import { createMemorySessionStore as createSessionStore } from '../src/sessions/memory-session-store';
import { consoleConfig } from '../src/config';
import { requestPage, relative } from '../src/pages/approvals';

const SECRET = 'x'.repeat(40);
const baseEnv = { AUTH_ISSUER: 'http://127.0.0.1:4100', CONSOLE_CLIENT_SECRET: SECRET, WRITER_URL: 'http://127.0.0.1:4103', WRITER_RESOURCE: 'http://127.0.0.1:4103/mcp' };

describe('pages render what users and assistants wrote as text', () => {
  it('escapes every interpolated value, and only once', () => {
    expect(escapeHtml(`<a href="javascript:x">'&'</a>`)).toBe('&lt;a href=&quot;javascript:x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${['<', html`<br>`]}</p>`.text).toBe('<p><b>&lt;i&gt;</b>&lt;<br></p>');
  });

  it('shows the arguments of a request inert, and no decision form to its requester', async () => {
    const session = await createSessionStore({ idleMs: 60_000 }).create({ subject: 'alice', name: 'Alice', scopes: new Set(), accessToken: 't', accessTokenExpiresAt: Date.now() + 60_000 });
    const request = {
      approval_id: '6f1d5a2e-0000-4000-8000-000000000001',
      tool: 'resolve_incident',
      kind: 'approval' as const,
      status: 'pending',
      requester: 'alice',
      requested_at: '2026-12-03T12:00:00.000Z',
      expires_at: '2026-12-03T13:00:00.000Z',
      decided_by: null,
      decided_at: null,
      reason: null,
      executed_at: null,
      result: null,
      arguments: { summary: '<script>alert(1)</script>' },
    };
    const page = requestPage(session, request);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('a second person must decide it');
    expect(page).not.toContain('Approve and run');
    expect(requestPage({ ...session, subject: 'carol' }, request)).toContain('Approve and run');

    // A confirmation is the requester's own to make, with no reason to cancel; nobody else gets the forms.
    const confirmation = { ...request, tool: 'update_ticket', kind: 'confirmation' as const };
    const ownPage = requestPage(session, confirmation);
    expect(ownPage).toContain('Confirm the change');
    expect(ownPage).toContain('Cancel it');
    expect(ownPage).not.toContain('Reason for rejecting');
    const othersPage = requestPage({ ...session, subject: 'carol' }, confirmation);
    expect(othersPage).not.toContain('Confirm the change');
    expect(othersPage).toContain('Only alice, who asked for this change, can confirm or cancel it.');
  });

  it('says when in words an approver reads at a glance', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(relative('2026-12-03T11:48:00Z', now)).toBe('12 min ago');
    expect(relative('2026-12-03T15:00:00Z', now)).toBe('in 3 h');
  });
});

describe('the deployment contract', () => {
  it('grants the console the kit’s own approver scope (the contract names it without depending on the kit)', () => {
    expect(CONSOLE_CLIENT_SCOPES).toContain(APPROVER_SCOPE);
  });
});

describe('sessions in memory', () => {
  it('hold a bounded number of sign-ins under way, dropping the expired and then the oldest', async () => {
    let now = 0;
    const sessions = createSessionStore({ idleMs: 1000, clock: () => now });
    const first = await sessions.beginSignIn({ codeVerifier: 'v', returnTo: '/' });
    for (let started = 0; started < 10_050; started += 1) await sessions.beginSignIn({ codeVerifier: 'v', returnTo: '/' });
    expect(sessions.size().signIns).toBeLessThanOrEqual(10_000);
    expect(await sessions.takeSignIn(first.state)).toBeUndefined();
    now = 11 * 60 * 1000;
    await sessions.beginSignIn({ codeVerifier: 'v', returnTo: '/' });
    expect(sessions.size().signIns).toBe(1);
  });

  it('match a CSRF token only exactly', async () => {
    const session = await createSessionStore({ idleMs: 1000 }).create({ subject: 'carol', name: 'Carol', scopes: new Set(), accessToken: 't', accessTokenExpiresAt: Date.now() + 1000 });
    expect(csrfMatches(session, session.csrf)).toBe(true);
    for (const posted of [undefined, '', 'x', `${session.csrf}x`, ['a']]) expect(csrfMatches(session, posted)).toBe(false);
  });

  it.each([
    ['/approvals/1', '/approvals/1'],
    ['https://evil.example/', '/approvals'],
    ['//evil.example/x', '/approvals'],
    ['/\\evil.example', '/approvals'],
    ['javascript:alert(1)', '/approvals'],
    [undefined, '/approvals'],
  ])('return to %s only if it is a path of the console (→ %s)', (value, expected) => {
    expect(safeReturnPath(value)).toBe(expected);
  });
});

describe('configuration', () => {
  it('names what is wrong', () => {
    expect(() => consoleConfig({ ...baseEnv, CONSOLE_CLIENT_SECRET: 'short' })).toThrow('CONSOLE_CLIENT_SECRET: must be at least 32 characters');
    expect(() => consoleConfig({ ...baseEnv, WRITER_URL: 'nope' })).toThrow(/WRITER_URL/);
  });

  it('sends secrets, codes and tokens only over HTTPS, plain HTTP on loopback only', () => {
    expect(() => consoleConfig({ ...baseEnv, AUTH_ISSUER: 'http://idp.example.com' })).toThrow('AUTH_ISSUER: must be https (plain http only on loopback)');
    expect(() => consoleConfig({ ...baseEnv, WRITER_URL: 'http://writer.internal' })).toThrow('WRITER_URL: must be https');
    expect(consoleConfig({ ...baseEnv, AUTH_ISSUER: 'https://idp.example.com' }).AUTH_ISSUER).toBe('https://idp.example.com');
  });

  it('sets cookies Secure everywhere but loopback', () => {
    expect(consoleConfig(baseEnv).loopback).toBe(true);
    expect(consoleConfig({ ...baseEnv, PUBLIC_URL: 'https://console.example.com' }).loopback).toBe(false);
  });
});
