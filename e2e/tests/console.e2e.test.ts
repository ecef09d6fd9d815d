import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Client } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createAuditDigest } from '@gmcp/mcp-kit/platform';
import { auditRecordsDir, listInDigestIndex, localDigestSigner, localDigestStore, startPlatform, type Platform } from '@gmcp/platform';
import { launchBrowser } from './support/browser';
import { connectClient } from './support/mcp-client';
import { tamperWithAuditLine } from './support/audit-files';

jest.setTimeout(120_000);

/**
 * The approvals console as people use it, in Chromium: an assistant asks for a high-risk change,
 * an approver signs in with the development authorization server, reads the request and decides;
 * the assistant then sees the result. Screenshots of the pages land in a temporary folder, or
 * in docs/console/ with UPDATE_SCREENSHOTS=1 (a test run leaves the working tree as it was).
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? resolve(__dirname, '..', '..', 'docs', 'console') : join(tmpdir(), 'gmcp-console-screenshots');
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
    const row = page.getByRole('row', { name: /resolve_incident/ }).first();
    expect(await row.innerText()).toMatch(/ops-writer\s+high\s+alice/);
    // Approvers get paged: the list reads on a phone without sideways scrolling of the page.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, 'pending-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('link', { name: 'resolve_incident' }).first().click();
    await page.getByRole('heading', { name: 'resolve_incident' }).waitFor();
    expect(page.url()).toBe(consoleUrl(`/approvals/${approvalId}`));
    await expect(page.getByText('INC-2031').count()).resolves.toBeGreaterThan(0);
    // What the tool is, and the incident's status now beside the proposed one, read at page time.
    await page.getByRole('heading', { name: 'Resolve an incident' }).waitFor();
    await expect(page.getByText(/^sha256:[0-9a-f]{64}$/).count()).resolves.toBe(1);
    const change = page.getByRole('table', { name: /What it would change/ }).getByRole('row', { name: /status/ });
    expect((await change.innerText()).split(/\s+/)).toEqual(['status', 'identified', 'resolved']);
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

    // alice holds no approvals:decide: she reads her own request, without the forms, and not the pending list.
    const own = await signedIn('alice', `/approvals/${approvalId}`);
    await own.page.getByText('You asked for this change: a second person must decide it.').waitFor();
    expect(await own.page.getByRole('button', { name: 'Approve and run' }).count()).toBe(0);
    await own.page.goto(consoleUrl('/approvals'));
    await own.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await own.context.close();
    expect(await statusOf(approvalId)).toMatchObject({ status: 'pending' });
  });

  it('shows a requester their own requests, whatever became of them', async () => {
    const approvalId = await ask('change_incident_severity', { incident_id: 'INC-2047', severity: 'SEV1', reason: 'Customer-facing checkout errors are spreading to a second region.' });
    const { context, page } = await signedIn('alice', '/mine');
    await page.getByRole('heading', { name: 'My requests' }).waitFor();
    const rows = page.getByRole('row');
    await expect(page.getByRole('link', { name: /change_incident_severity/ }).count()).resolves.toBe(1);
    await expect(rows.filter({ hasText: 'executed' }).count()).resolves.toBeGreaterThan(0);
    await expect(rows.filter({ hasText: 'rejected' }).count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'my-requests.png'), fullPage: true });
    await page.getByRole('link', { name: /change_incident_severity/ }).click();
    expect(page.url()).toBe(consoleUrl(`/approvals/${approvalId}`));
    const change = page.getByRole('table', { name: /What it would change/ }).getByRole('row', { name: /severity/ });
    expect((await change.innerText()).split(/\s+/)).toEqual(['severity', 'SEV2', 'SEV1']);
    await context.close();
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

  it('an auditor finds the calls, reads a record as signed, sees the trail and the digest chain intact, then a deleted record reported', async () => {
    const env = { GMCP_STATE_DIR: stateDir };
    const digest = await createAuditDigest({ store: platform.auditStore, digests: localDigestStore(env), signer: await localDigestSigner(env), settleMs: 0 });
    await listInDigestIndex(digest!, env);

    const { context, page } = await signedIn('erin', '/audit?tool=resolve_incident&since=1h');
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    const rows = page.getByRole('table').getByRole('row').filter({ hasText: 'resolve_incident' });
    await expect(rows.count()).resolves.toBeGreaterThan(3);
    await expect(rows.filter({ hasText: 'changed' }).count()).resolves.toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit.png'), fullPage: true });
    await rows.filter({ hasText: 'approval_decided' }).first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Audit record' }).waitFor();
    await page.getByText('Its signature holds').waitFor();
    await expect(page.getByText('"approvals-console"', { exact: false }).count()).resolves.toBe(1);

    await page.goto(consoleUrl('/audit/integrity'));
    await page.getByText('The chain is intact').waitFor();
    await page.getByText(/All \d+ record\(s\) match their signatures/).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-integrity.png'), fullPage: true });
    const exported = await page.request.get(consoleUrl('/audit/export'));
    expect(exported.headers()['content-disposition']).toMatch(/^attachment; filename="audit-export-/);
    const lines = (await exported.text()).trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(lines[0]).toMatchObject({ type: 'digest' });
    expect(lines.filter((line) => line.type === 'record').length).toBeGreaterThan(10);

    // Someone deletes a digested record from the store: the next look says so, naming it.
    const { records } = await platform.auditStore.query({ tool: 'resolve_incident', event: 'approval_requested', since: new Date(Date.now() - 3_600_000), limit: 1 });
    const victim = records[0]!;
    await tamperWithAuditLine(auditRecordsDir(env), victim, () => undefined);
    await page.reload();
    await page.getByRole('heading', { name: 'Integrity of the audit trail' }).waitFor();
    expect(await page.title()).toContain('problems found');
    await expect(page.getByText(`record ${victim.event_id} is listed in the digest but not in the store`, { exact: false }).count()).resolves.toBe(1);
    await expect(page.getByText('writer_gap').count()).resolves.toBeGreaterThan(0);
    await context.close();

    // An approver without audit:read does not read the trail.
    const carol = await signedIn('carol', '/audit');
    await carol.page.getByRole('heading', { name: 'Auditors only' }).waitFor();
    await carol.context.close();
  });

  it('a 2025-era client (the v1 SDK) gets a link for update_ticket; only alice can confirm it, in the browser, and the change is made once', async () => {
    const v1 = new V1Client({ name: 'e2e-v1-assistant', version: '1.0.0' });
    const token = await platform.token('ops-writer', { sub: 'alice', scopes: WRITER_SCOPES });
    await v1.connect(new V1StreamableHTTPClientTransport(new URL(platform.urls['ops-writer']!), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const asked = await v1.callTool({ name: 'update_ticket', arguments: { ticket_id: 'TCK-1042', priority: 'P1' } });
    expect(asked.isError).toBe(true);
    const { approval_id: approvalId, confirm_url: link } = (asked._meta as Record<string, { approval_id: string; confirm_url: string }>)['dev.gmcp/confirmation']!;
    expect(link).toBe(consoleUrl(`/approvals/${approvalId}`));
    expect((asked.content as { text: string }[])[0]!.text).toContain(`open ${link}, sign in as yourself and confirm or cancel it`);
    const status = async () => (await v1.callTool({ name: 'get_request_status', arguments: { approval_id: approvalId } })).structuredContent as { kind: string; status: string; result: { ticket?: { priority: string } } | null };
    expect(await status()).toMatchObject({ kind: 'confirmation', status: 'pending' });

    // carol, an approver, cannot confirm alice's change.
    const carol = await signedIn('carol', new URL(link).pathname);
    await carol.page.getByText('Only alice, who asked for this change, can confirm or cancel it.').waitFor();
    expect(await carol.page.getByRole('button', { name: 'Confirm the change' }).count()).toBe(0);
    const csrf = await carol.page.locator('input[name="csrf"]').first().inputValue();
    const forced = await carol.page.request.post(consoleUrl(`/approvals/${approvalId}/decision`), { form: { decision: 'approve', csrf }, maxRedirects: 0 });
    expect(forced.status()).toBe(403);
    await carol.context.close();

    const { context, page } = await signedIn('alice', new URL(link).pathname);
    await page.getByRole('button', { name: 'Confirm the change' }).waitFor();
    const change = page.getByRole('table', { name: /What it would change/ }).getByRole('row', { name: /priority/ });
    expect((await change.innerText()).split(/\s+/)).toEqual(['priority', expect.stringMatching(/^P[2-4]$/), 'P1']);
    await page.screenshot({ path: join(SCREENSHOTS, 'confirm.png'), fullPage: true });
    const aliceCsrf = await page.locator('input[name="csrf"]').first().inputValue();
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.getByText('Confirmed.').waitFor();
    expect(await status()).toMatchObject({ kind: 'confirmation', status: 'executed', result: { ticket: { priority: 'P1' } } });
    // Single use: a replayed confirmation changes nothing.
    const replay = await page.request.post(consoleUrl(`/approvals/${approvalId}/decision`), { form: { decision: 'approve', csrf: aliceCsrf }, maxRedirects: 0 });
    expect(replay.status()).toBe(409);
    const { records } = await platform.auditStore.query({ tool: 'update_ticket', approvalId, since: new Date(Date.now() - 600_000), limit: 20 });
    expect(records.filter((record) => record.event === 'approval_executed' && record.decision === 'allowed')).toHaveLength(1);
    await context.close();
    await v1.close();
  });
});
