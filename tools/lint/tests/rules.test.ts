import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import gmcp from '../src/index.cjs';

const WORKSPACE = join(__dirname, 'fixtures', 'workspace');

/** The fixture workspace linted with the same rules and constraints as the real one (eslint.config.mjs). */
async function lint(): Promise<Map<string, string[]>> {
  const { DEPENDENCY_CONSTRAINTS } = (await import('../../../eslint.config.mjs')) as { DEPENDENCY_CONSTRAINTS: unknown[] };
  const constraints = DEPENDENCY_CONSTRAINTS.map((constraint) => JSON.parse(JSON.stringify(constraint).replaceAll('@gmcp/mcp-kit', '@fx/kit')));
  const eslint = new ESLint({
    cwd: WORKSPACE,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as never },
        plugins: { gmcp },
        rules: { 'gmcp/no-import-cycles': 'error', 'gmcp/project-boundaries': ['error', { depConstraints: constraints }] },
      },
    ],
  });
  const results = await eslint.lintFiles(['**/*.ts']);
  return new Map(results.map((result) => [result.filePath.slice(WORKSPACE.length + 1), result.messages.map((message) => `${message.line}: ${message.message}`)]));
}

let messages: Map<string, string[]>;
beforeAll(async () => {
  messages = await lint();
}, 60_000);

describe('gmcp/no-import-cycles', () => {
  it('fails a cycle between two files, type-only imports included, on both ends', () => {
    expect(messages.get('packages/kit/src/pipeline/run.ts')).toEqual([expect.stringContaining('1: Import cycle: pipeline/run.ts → pipeline/confirm.ts → pipeline/run.ts')]);
    expect(messages.get('packages/kit/src/pipeline/confirm.ts')).toEqual([expect.stringContaining('1: Import cycle: pipeline/confirm.ts → pipeline/run.ts → pipeline/confirm.ts')]);
  });

  it('fails a cycle between folders even when no file cycle exists, dynamic imports included', () => {
    expect(messages.get('packages/kit/src/http/route.ts')).toEqual([expect.stringContaining('1: Folder cycle: http → mcp → http (http/ would depend on mcp/')]);
    expect(messages.get('packages/kit/src/mcp/adapter.ts')).toEqual([expect.stringContaining('1: Folder cycle: mcp → http → mcp')]);
  });

  it('leaves files outside any cycle alone', () => {
    for (const file of ['packages/kit/src/index.ts', 'packages/kit/src/platform.ts', 'packages/kit/src/http/status.ts', 'tools/peer/src/index.ts']) expect(messages.get(file)).toEqual([]);
  });
});

describe('gmcp/project-boundaries', () => {
  it('lets an app use the kit’s entry points for app authors, and nothing else', () => {
    expect(messages.get('apps/app/src/server.ts')).toEqual([
      '3: @fx/kit/platform is not for type:app projects: use @fx/kit, @fx/kit/testing, @fx/kit/lambda, @fx/kit/audit.',
      '4: @fx/kit/src/pipeline/run reaches into @fx/kit: import one of its entry points (@fx/kit, @fx/kit/platform, @fx/kit/testing).',
      '5: @fx/kit has no entry point ./extras: use one of @fx/kit, @fx/kit/platform, @fx/kit/testing.',
      '6: A type:app project may depend only on type:kit, type:lib; @fx/peer is type:tool.',
    ]);
  });

  it('lets tests use test peers, but never another project’s src/', () => {
    expect(messages.get('apps/app/tests/server.test.ts')).toEqual(['3: @fx/peer/src/deep reaches into @fx/peer: import one of its entry points (@fx/peer).']);
  });
});
