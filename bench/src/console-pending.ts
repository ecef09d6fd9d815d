/**
 * The approvals console's pending list with PENDING (1,000 by default) requests waiting: an
 * assistant asks for that many resolve_incident changes (distinct summaries, so none is folded
 * into another), then carol, signed in through the development authorization server in
 * Chromium, loads the pending list and one request page, several times. Prints the server's
 * time to the page (navigation responseEnd) and the whole load, median and worst, and what a
 * page holds (the writer returns 100 a page: the console never renders the whole backlog).
 *
 *   npm run bench:console            (PENDING=200 npm run bench:console)
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startPlatform } from '@gmcp/platform';
import { percentile } from './support/bench-platform';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PENDING = Number(process.env.PENDING ?? 1000);
const LOADS = 7;
const ASKERS = 4;

async function main() {
  const stateDir = await mkdtemp(join(tmpdir(), 'gmcp-bench-console-'));
  // The writer's governance with its limits raised out of the benchmark's way.
  const governance = JSON.parse(await readFile(resolve(__dirname, '..', '..', 'config', 'governance', 'ops-writer.json'), 'utf8')) as { limits: Record<string, unknown> };
  governance.limits = { per_actor_per_tool: { requests: 100_000, window_seconds: 60 }, per_server: { requests: 100_000, window_seconds: 60 }, max_concurrency: 64 };
  const governanceFile = join(stateDir, 'ops-writer-governance.json');
  await writeFile(governanceFile, JSON.stringify(governance));
  const platform = await startPlatform({ GMCP_STATE_DIR: stateDir, LOG_LEVEL: 'SILENT', AUDIT_DIGEST_INTERVAL_SECONDS: '0', OPS_WRITER_GOVERNANCE_FILE: governanceFile }, { servers: ['ops-writer'], ephemeralPorts: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const asking = Date.now();
    await Promise.all(Array.from({ length: ASKERS }, (_, asker) => ask(platform, asker)));
    console.log(`${PENDING} pending requests made in ${((Date.now() - asking) / 1000).toFixed(1)} s (through the writer's MCP endpoint; not measured below)`);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(new URL('/approvals', platform.urls.console).href);
    await page.getByRole('radio', { name: /\(carol\)/ }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Pending approvals' }).waitFor();

    const list = await loads(page, new URL('/approvals', platform.urls.console).href);
    const rows = await page.locator('tbody tr').count();
    const older = await page.getByRole('link', { name: 'Older requests' }).count();
    const firstRequest = await page.locator('tbody a').first().getAttribute('href');
    const one = await loads(page, new URL(firstRequest!, platform.urls.console).href);
    console.log(`\nConsole pages in Chromium, ${PENDING} pending, ${LOADS} loads each (server = until the last byte of the HTML; load = until the load event):`);
    console.table({
      'pending list': { ...summary(list), rows: rows, 'older link': older === 1 },
      'one request (precheck read at page time)': { ...summary(one), rows: '', 'older link': '' },
    });
  } finally {
    await browser.close();
    await platform.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** One assistant's share of the requests, one call at a time. */
async function ask(platform: Awaited<ReturnType<typeof startPlatform>>, asker: number): Promise<void> {
  const token = await platform.token('ops-writer', { sub: `asker-${asker}`, scopes: ['incidents:write', 'approvals:read'] });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(platform.urls['ops-writer']!), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  for (let index = asker; index < PENDING; index += ASKERS) {
    const result = await client.callTool({ name: 'resolve_incident', arguments: { incident_id: 'INC-2031', summary: `Recovered after fix number ${index} was rolled out.` } });
    if (result.isError) throw new Error(`resolve_incident refused: ${JSON.stringify(result.content)}`);
  }
  await client.close();
}

async function loads(page: Page, url: string): Promise<{ server: number; load: number }[]> {
  const times: { server: number; load: number }[] = [];
  for (let run = 0; run < LOADS; run++) {
    await page.goto(url, { waitUntil: 'load' });
    times.push(
      await page.evaluate(() => {
        type Navigation = { requestStart: number; responseEnd: number; startTime: number; loadEventEnd: number };
        const [navigation] = (globalThis as unknown as { performance: { getEntriesByType(type: 'navigation'): Navigation[] } }).performance.getEntriesByType('navigation');
        return { server: navigation!.responseEnd - navigation!.requestStart, load: navigation!.loadEventEnd - navigation!.startTime };
      }),
    );
  }
  return times;
}

function summary(times: { server: number; load: number }[]) {
  const median = (values: number[]) => percentile(values, 0.5);
  return {
    'server p50 ms': Number(median(times.map((time) => time.server)).toFixed(1)),
    'server max ms': Number(Math.max(...times.map((time) => time.server)).toFixed(1)),
    'load p50 ms': Number(median(times.map((time) => time.load)).toFixed(1)),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
