import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Client } from '@modelcontextprotocol/client';
import { startPlatform, type Platform } from '@gmcp/platform';
import { launchBrowser } from './support/browser';
import { connectClient } from './support/mcp-client';

jest.setTimeout(120_000);

/**
 * The approvals console as people use it, in Chromium: an assistant asks for a high-risk change,
 * an approver signs in with the development authorization server, reads the request and decides;
 * the assistant then sees the result. Screenshots of the pages land in docs/console/.
 */
const SCREENSHOTS = resolve(__dirname, '..', '..', 'docs', 'console');
const WRITER_SCOPES = ['tickets:write', 'incidents:write', 'approvals:read'];

let stateDir: string;
let platform: Platform;
let browser: Browser;
let alice: Client;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'gmcp-console-e2e-'));
  [platform, browser] = await Promise.all([
    startPlatform({ GMCP_STATE_DIR: stateDir, LOG_LEVEL: 'SILENT', AUDIT_DIGEST_INTERVAL_SECONDS: '0' }, { servers: ['ops-writer'], ephemeralPorts: true }),
    launchBrowser(),
  ]);
  alice = await connectClient(platform.urls['ops-writer']!, await platform.token('ops-writer', { sub: 'alice', scopes: WRITER_SCOPES }), 'modern');
  await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await alice?.close();
  await browser?.close();
  await platform?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const consoleUrl = (path: string) => new URL(path, platform.urls.console).href;

async function ask(tool: string, args: Record<string, unknown>): Promise<string> {
  const result = await alice.callTool({ name: tool, arguments: args });
  if (result.isError) throw new Error(`${tool} refused: ${JSON.stringify(result.content)}`);
  const pending = result.structuredContent as { status: string; approval_id: string };
  expect(pending.status).toBe('pending_approval');
  return pending.approval_id;
}

const statusOf = async (approvalId: string) =>
  (await alice.callTool({ name: 'get_request_status', arguments: { approval_id: approvalId } })).structuredContent as { status: string; decided_by: string | null; reason: string | null };

/** A person at the console: signs in as `user` (login and consent pages) on the way to `path`. */
async function signedIn(user: string, path: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(consoleUrl(path));
  await page.getByRole('radio', { name: new RegExp(`\\(${user}\\)`) }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.href.startsWith(platform.urls.console!));
  return { context, page };
}

describe('the approvals console', () => {
  it('carol signs in, reads the request with its arguments, approves, and the assistant sees it executed', async () => {
    const approvalId = await ask('resolve_incident', { incident_id: 'INC-2031', summary: 'Card payments recovered after the gateway certificate was renewed.' });
    const { context, page } = await signedIn('carol', '/approvals');
    await page.getByRole('heading', { name: 'Pending approvals' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'pending.png'), fullPage: true });
    await page.getByRole('link', { name: 'resolve_incident' }).first().click();
    await page.getByRole('heading', { name: 'resolve_incident' }).waitFor();
    expect(page.url()).toBe(consoleUrl(`/approvals/${approvalId}`));
    await expect(page.getByText('INC-2031').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'request.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve and run' }).click();
    await page.getByText('Approved.').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'executed.png'), fullPage: true });
    expect(await statusOf(approvalId)).toMatchObject({ status: 'executed', decided_by: 'carol' });
    await context.close();
  });

  it('rejects with the reason the approver gives; a rejection without one is not sent', async () => {
    const approvalId = await ask('resolve_incident', { incident_id: 'INC-2047', summary: 'Checkout latency back to normal after the cache fix.' });
    const { context, page } = await signedIn('carol', `/approvals/${approvalId}`);
    // The browser holds back a rejection without its reason, and the console refuses one that gets through anyway.
    expect(await page.getByLabel('Reason for rejecting').evaluate((field) => (field as HTMLTextAreaElement).checkValidity())).toBe(false);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const bare = await page.request.post(consoleUrl(`/approvals/${approvalId}/decision`), { form: { decision: 'reject', csrf, reason: '   ' }, maxRedirects: 0 });
    expect(bare.status()).toBe(400);
    expect(await statusOf(approvalId)).toMatchObject({ status: 'pending' });
    await page.getByLabel('Reason for rejecting').fill('Not during the payment freeze.');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Rejected.').waitFor();
    expect(await statusOf(approvalId)).toMatchObject({ status: 'rejected', decided_by: 'carol', reason: 'Not during the payment freeze.' });
    await context.close();
  });

  it('shows assistants’ text inert: markup and script in the arguments render as text, and the page runs no script', async () => {
    const approvalId = await ask('resolve_incident', { incident_id: 'INC-2044', summary: '<script>document.title="owned"</script><a href="javascript:alert(1)">click</a> fixed' });
    const { context, page } = await signedIn('carol', `/approvals/${approvalId}`);
    await page.getByRole('heading', { name: 'resolve_incident' }).waitFor();
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    await expect(page.getByText('<script>document.title="owned"</script>', { exact: false }).count()).resolves.toBe(1);
    expect(await page.title()).not.toBe('owned');
    const csp = (await page.request.get(consoleUrl(`/approvals/${approvalId}`))).headers()['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    await context.close();
  });

  it('refuses a decision without the session’s CSRF token, and a requester without the approver scope', async () => {
    const approvalId = await ask('resolve_incident', { incident_id: 'INC-2045', summary: 'Search indexing caught up after the replica restart.' });
    const carol = await signedIn('carol', `/approvals/${approvalId}`);
    const forged = await carol.page.request.post(consoleUrl(`/approvals/${approvalId}/decision`), { form: { decision: 'approve', csrf: 'forged' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('nothing was decided');
    const missing = await carol.page.request.post(consoleUrl(`/approvals/${approvalId}/decision`), { form: { decision: 'approve' }, maxRedirects: 0 });
    expect(missing.status()).toBe(403);
    expect(await statusOf(approvalId)).toMatchObject({ status: 'pending' });
    await carol.context.close();

    // alice holds no approvals:decide: the writer refuses her the request; the console says so.
    const own = await signedIn('alice', `/approvals/${approvalId}`);
    await own.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await own.page.getByRole('button', { name: 'Approve and run' }).count()).toBe(0);
    await own.context.close();
    expect(await statusOf(approvalId)).toMatchObject({ status: 'pending' });
  });

  it('never lets an approver decide their own request (four-eyes, the writer’s rule, shown in the page)', async () => {
    const carolsClient = await connectClient(platform.urls['ops-writer']!, await platform.token('ops-writer', { sub: 'carol', scopes: [...WRITER_SCOPES, 'approvals:decide'] }), 'modern');
    const asked = await carolsClient.callTool({ name: 'resolve_incident', arguments: { incident_id: 'INC-2046', summary: 'Queue consumers healthy again after the redeploy.' } });
    const { approval_id: approvalId } = asked.structuredContent as { approval_id: string };
    const { context, page } = await signedIn('carol', `/approvals/${approvalId}`);
    await page.getByText('You asked for this change: a second person must decide it.').waitFor();
    expect(await page.getByRole('button', { name: 'Approve and run' }).count()).toBe(0);
    // Posted anyway, with her session's token: the writer refuses, nothing is decided.
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const forced = await page.request.post(consoleUrl(`/approvals/${approvalId}/decision`), { form: { decision: 'approve', csrf }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
    expect(await forced.text()).toContain('The requester cannot approve or reject their own request');
    const status = (await carolsClient.callTool({ name: 'get_request_status', arguments: { approval_id: approvalId } })).structuredContent as { status: string };
    expect(status.status).toBe('pending');
    await carolsClient.close();
    await context.close();
  });

  it('returns only to its own pages after sign-in, and a signed-out session is over', async () => {
    const { context, page } = await signedIn('carol', '/sign-in?return=https://evil.example/steal');
    expect(new URL(page.url()).origin).toBe(new URL(platform.urls.console!).origin);
    expect(new URL(page.url()).pathname).toBe('/approvals');
    const [sessionCookie] = (await context.cookies()).filter((cookie) => cookie.name.endsWith('gmcp_console'));
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    // The old cookie, replayed by hand: the server holds no session for it any more.
    const after = await fetch(consoleUrl('/approvals'), { headers: { cookie: `${sessionCookie!.name}=${sessionCookie!.value}` }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/sign-in\?return=/);
    await context.close();
  });
});
