import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_NAMES } from '../src/servers';
import { concurrencySettings, functionSizing } from '../src/services';
import { loadStageConfig } from '../src/stage-config';

describe('stage configuration', () => {
  it.each(['dev', 'production'])('reads infra/stages/%s.json with every service configured', (stage) => {
    const config = loadStageConfig(stage);
    expect(config.stage).toBe(stage);
    expect(Object.keys(config.services).sort()).toEqual([...SERVER_NAMES].sort());
    for (const service of SERVER_NAMES) expect(config.services[service].timeoutSeconds).toBeLessThan(30);
  });

  it('keeps production stricter than dev: WAF on, longest log retention, approvers notified', () => {
    const production = loadStageConfig('production');
    expect(production.edge.waf).toBe(true);
    expect(production.logRetentionDays).toBe(90);
    expect(production.approvals.approverEmails.length).toBeGreaterThan(0);
    expect(production.alarms.emails.length).toBeGreaterThan(0);
  });

  it('refuses a stage without a file, naming the file to create', () => {
    expect(() => loadStageConfig('staging')).toThrow('No configuration for stage "staging": create infra/stages/staging.json');
    expect(() => loadStageConfig('../dev')).toThrow('No configuration for stage');
  });

  it('names what is wrong in a stage file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stages-'));
    const bad = { ...JSON.parse(JSON.stringify(loadStageConfig('dev'))), logRetentionDays: 14, account: '12345', extra: true };
    await writeFile(join(dir, 'dev.json'), JSON.stringify(bad));
    const error = (() => {
      try {
        loadStageConfig('dev', dir);
      } catch (thrown) {
        return (thrown as Error).message;
      }
      return '';
    })();
    expect(error).toContain('infra/stages/dev.json is invalid');
    expect(error).toContain('logRetentionDays');
    expect(error).toContain('account');
    expect(error).toContain('extra');
  });

  it('takes provisioned concurrency for a service within half its reservation, plans a published version for it, and none for the approval tasks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stages-'));
    const dev = JSON.parse(JSON.stringify(loadStageConfig('dev')));
    const withProvisioned = async (provisionedConcurrency: number) => {
      const services = { ...dev.services, 'ops-writer': { ...dev.services['ops-writer'], provisionedConcurrency } };
      await writeFile(join(dir, 'dev.json'), JSON.stringify({ ...dev, services }));
      return loadStageConfig('dev', dir);
    };
    const config = await withProvisioned(2);
    const sizes = ['api', 'approval-executor'].map((kind) => functionSizing(config, { service: 'ops-writer', kind: kind as 'api' }).provisionedConcurrency);
    expect(sizes).toEqual([2, 0]);
    expect(functionSizing(config, { service: 'ops-reader', kind: 'api' }).provisionedConcurrency).toBe(0);
    expect(concurrencySettings(functionSizing(config, { service: 'ops-writer', kind: 'api' }))).toEqual({ concurrency: { reserved: dev.services['ops-writer'].reservedConcurrency, provisioned: 2 }, versioning: true });
    expect(concurrencySettings(functionSizing(config, { service: 'ops-reader', kind: 'api' }))).toEqual({ concurrency: { reserved: dev.services['ops-reader'].reservedConcurrency } });
    const reserved = dev.services['ops-writer'].reservedConcurrency as number;
    await expect(withProvisioned(Math.floor(reserved / 2) + 1)).rejects.toThrow(/must be at most half of reservedConcurrency[^]*at services\["ops-writer"\]\.provisionedConcurrency/);
  });

  it('checks an authorization façade: https endpoints, a pre-registered client, redirects a provider can hold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stages-'));
    const dev = JSON.parse(JSON.stringify(loadStageConfig('dev')));
    const facade = {
      authorizationEndpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/authorize',
      tokenEndpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
      clientId: 'assistants',
      redirectUris: ['https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1/callback', 'cursor://anysphere.cursor-mcp/oauth/callback'],
      resourceParameter: 'omit',
    };
    const load = async (auth: object) => {
      await writeFile(join(dir, 'dev.json'), JSON.stringify({ ...dev, auth: { ...dev.auth, ...auth } }));
      return loadStageConfig('dev', dir);
    };
    expect((await load({ facade })).auth.facade).toEqual(facade);
    await expect(load({ facade: { ...facade, clientId: undefined } })).rejects.toThrow('auth.facade.clientId is required');
    expect((await load({ audienceClaim: 'client_id', facade: { ...facade, clientId: undefined } })).auth.audienceClaim).toBe('client_id');
    await expect(load({ facade: { ...facade, tokenEndpoint: 'http://login.example.com/token' } })).rejects.toThrow('tokenEndpoint');
    await expect(load({ facade: { ...facade, redirectUris: ['http://assistant.example/callback'] } })).rejects.toThrow('https, http on loopback');
    // Without audiences in tokens, the assistants' client (a service's audience) cannot be an approver client.
    await expect(load({ audienceClaim: 'client_id', approverClientIds: [dev.services['ops-writer'].audience] })).rejects.toThrow('cannot be an approver client too');
  });

  it('refuses a file that declares another stage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stages-'));
    await writeFile(join(dir, 'qa.json'), JSON.stringify(loadStageConfig('dev')));
    expect(() => loadStageConfig('qa', dir)).toThrow('infra/stages/qa.json declares stage "dev"');
  });
});
