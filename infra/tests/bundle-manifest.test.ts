import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBundlesCurrent, staleBundle, writeBundleManifest } from '../src/bundle-manifest';

describe('bundle freshness (what sst.config.ts checks before it ships dist/lambda as is)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bundles-'));
    await mkdir(join(root, 'dist', 'lambda', 'ops-reader'), { recursive: true });
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'tool.ts'), 'export const a = 1;');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('accepts a bundle built from the sources as they are', () => {
    writeBundleManifest(root, 'ops-reader', ['src/tool.ts']);
    expect(staleBundle(root, 'ops-reader')).toBeUndefined();
    expect(() => assertBundlesCurrent(root, ['ops-reader'])).not.toThrow();
  });

  it('refuses a bundle whose sources changed or disappeared since it was built, and one never built', async () => {
    writeBundleManifest(root, 'ops-reader', ['src/tool.ts']);
    await writeFile(join(root, 'src', 'tool.ts'), 'export const a = 2;');
    expect(staleBundle(root, 'ops-reader')).toBe('dist/lambda/ops-reader was built before src/tool.ts changed');
    await rm(join(root, 'src', 'tool.ts'));
    expect(staleBundle(root, 'ops-reader')).toBe('dist/lambda/ops-reader was built before src/tool.ts changed');
    expect(staleBundle(root, 'ops-writer')).toBe('dist/lambda/ops-writer has not been built');
    expect(() => assertBundlesCurrent(root, ['ops-reader', 'ops-writer'])).toThrow(/^Lambda bundles are not current: .*Run npm run build:lambda/);
  });
});
