import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { writeBundleManifest } from './bundle-manifest';
import { writeValidatedCallPolicies } from './call-policies-at-build';
import { BUNDLE_NAMES, BUNDLE_PATHS, type BundleName } from './deployment';
import { SERVER_NAMES, type ServerName } from './servers';

const REPO_ROOT = resolve(__dirname, '..', '..');
/** Bundles that are not a server's. */
const SHARED_ENTRIES: Partial<Record<BundleName, string>> = {
  'ops-migrate': 'packages/ops-data/src/deploy/migration-lambda.ts',
  'audit-digest': 'packages/mcp-kit/src/lambda/audit-digest-lambda.ts',
};

/** The entry module of each bundle: a server's Lambda entries (`apps/<server>/src/lambda.ts`), or the database migration step. */
const ENTRIES = Object.fromEntries(
  BUNDLE_NAMES.map((name) => [name, SHARED_ENTRIES[name] ?? `apps/${name}/src/lambda.ts`]),
) as Record<BundleName, string>;

/**
 * The Cedar engine (call policies) ships beside the bundle as its package, not inside it: its
 * 4 MB of WebAssembly is read from the package's own folder, and only when a server first
 * compiles call policies, so it weighs on neither the bundle nor a cold start without them.
 */
const CEDAR_PACKAGE = '@cedar-policy/cedar-wasm';
const CEDAR_FILES = ['package.json', 'nodejs'];

/** `sst.config.ts` deploys these folders as they are (`bundle`), so the tested artifact is the deployed one. */
export function bundleDir(name: BundleName): string {
  return resolve(REPO_ROOT, BUNDLE_PATHS[name]);
}

/**
 * V8 moves a WebAssembly function to its optimizing compiler once it has run "enough"; by
 * default Cedar's engine reaches that during its first few decisions, so a cold start pays for
 * TurboFan compiling it on top of the baseline compile (policy-reader: about 1,150 ms of cold
 * init with the default, 780 ms with ten times the budget, on this 2-core machine). Decisions
 * still tier up, later: their warm cost is unchanged (`npm run bench:call-policies`). Lambda's
 * NODE_OPTIONS does not take V8 flags, so the bundle sets it before any WebAssembly compiles.
 */
export const WASM_TIERING_FLAG = '--wasm-tiering-budget=18000000';

/**
 * Lambda (Node.js 22, ESM) needs `require`, `__dirname` and `__filename` for the
 * CommonJS dependencies bundled into an ES module; and the tiering budget above.
 */
const ESM_BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  "import { dirname as __pathDirname } from 'node:path';",
  "import { setFlagsFromString as __setV8Flags } from 'node:v8';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  'const __dirname = __pathDirname(__filename);',
  `__setV8Flags('${WASM_TIERING_FLAG}');`,
].join('\n');

/** The media types a bundled function receives or sends (JSON-RPC, OAuth forms, pages, stylesheets; SSE's text/event-stream is not in mime-db and is set as written). */
export const SERVED_MEDIA_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'application/octet-stream',
  'application/javascript',
  'application/xml',
  'text/plain',
  'text/html',
  'text/css',
  'text/javascript',
  'text/xml',
  'image/png',
  'image/svg+xml',
  'image/x-icon',
] as const;

/**
 * Code a Lambda never runs, replaced so that it does not weigh on every cold start:
 * - the embedded PostgreSQL wrapper, with migrations and seed data (local runs only);
 * - ajv, the MCP SDK's default JSON Schema validator on Node: the kit gives every server
 *   the SDK's @cfworker/json-schema validator instead (see server-factory.ts);
 * - zod's error messages in languages other than English (the default, and the only one set);
 * - iconv-lite's legacy code pages: the only body parser is JSON, which accepts nothing
 *   but UTF-8/16/32 (handled by iconv-lite's own internal codecs) and answers 415 otherwise;
 * - mime-db's 2,500 media types (150 kB): express, type-is and send look up only the few a
 *   server receives or sends, which the bundle keeps with their charsets and extensions;
 * - passport-jwt's default verifier, jsonwebtoken and what it requires: the kit replaces it
 *   with jose's `jwtVerify` (see jwt-strategy.ts), so it is loaded at every cold start and never called.
 */
const leaveOutUnused: Plugin = {
  name: 'leave-out-unused',
  setup(build) {
    const stub = (contents: string) => ({ contents, loader: 'js' as const });
    build.onResolve({ filter: /\/local\/local-database$/ }, (args) => ({ path: args.path, namespace: 'local-database-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'local-database-stub' }, () =>
      stub("export async function openLocalOpsDatabase() { throw new Error('The embedded database is not part of the Lambda bundle: set OPS_DATABASE=data-api'); }"),
    );
    build.onResolve({ filter: /^@modelcontextprotocol\/server\/_shims$/ }, (args) => ({ path: args.path, namespace: 'mcp-shims', pluginData: args.resolveDir }));
    build.onLoad({ filter: /.*/, namespace: 'mcp-shims' }, (args) => ({
      ...stub(
        "export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';\nexport { default as process } from 'node:process';",
      ),
      resolveDir: args.pluginData as string,
    }));
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/zod/') ? { path: args.path, namespace: 'zod-locales-stub', pluginData: args.resolveDir } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales-stub' }, (args) => ({
      ...stub("export { default as en } from '../locales/en.js';"),
      resolveDir: args.pluginData as string,
    }));
    build.onResolve({ filter: /^\.\/(tables\/.+\.json|sbcs-data-generated)$/ }, (args) =>
      args.importer.includes('iconv-lite') ? { path: args.path, namespace: 'codepage-stub' } : undefined,
    );
    build.onLoad({ filter: /sbcs-data-generated$/, namespace: 'codepage-stub' }, () => stub('module.exports = {};'));
    build.onLoad({ filter: /\.json$/, namespace: 'codepage-stub' }, () => stub("throw new Error('Legacy code pages are not part of the Lambda bundle');"));
    build.onResolve({ filter: /^\.\/verify_jwt$/ }, (args) => (args.importer.includes('/passport-jwt/') ? { path: args.path, namespace: 'jwt-verifier-stub' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'jwt-verifier-stub' }, () =>
      stub("module.exports = function () { throw new Error('jsonwebtoken is not part of the Lambda bundle: the kit verifies tokens with jose'); };"),
    );
    build.onResolve({ filter: /^mime-db$/ }, (args) => ({ path: require.resolve('mime-db/db.json', { paths: [args.resolveDir] }), namespace: 'mime-db-subset' }));
    build.onLoad({ filter: /.*/, namespace: 'mime-db-subset' }, async (args) => {
      const all = JSON.parse(await readFile(args.path, 'utf8')) as Record<string, unknown>;
      return stub(`module.exports = JSON.parse(${JSON.stringify(JSON.stringify(Object.fromEntries(SERVED_MEDIA_TYPES.map((type) => [type, all[type]]))))});`);
    });
    // V8 scans a string literal and JSON.parse far faster than it compiles an object
    // literal of the same data (mime-db is 150 kB of it): data files are loaded that way.
    build.onLoad({ filter: /node_modules\/.*\.json$/ }, async (args) => ({
      contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(await readFile(args.path, 'utf8'))))});`,
      loader: 'js',
    }));
  },
};

/**
 * Bundles an entry (e.g. `apps/<service>/src/lambda.ts`) into `dist/lambda/<name>/index.mjs`,
 * minified, AWS SDK included (pinned by our lockfile, not the runtime's copy), the embedded
 * PostgreSQL left out (only local runs load it, on demand). Code reached only through a
 * dynamic `import()` (credential providers a function does not use, the approval workflow's
 * clients) goes to `chunks/`, which a cold start neither reads nor compiles until it is
 * needed. `bytes` counts every file of the bundle.
 */
export async function bundleLambda(name: BundleName): Promise<{ file: string; bytes: number }> {
  const outdir = bundleDir(name);
  const { file, bytes, inputs } = await bundleEntry(ENTRIES[name], outdir);
  const policies = SERVER_NAMES_SET.has(name) ? await withCallPolicies(outdir, name as ServerName) : [];
  writeBundleManifest(REPO_ROOT, name, [...inputs, ...policies]);
  return { file, bytes };
}

/**
 * Any entry module (a path from the repository's root) bundled into `outdir/index.mjs` as a
 * function's bundle is: the benchmarks bundle reference functions (a bare SDK server) this way.
 * `inputs` lists the source files it read.
 */
export async function bundleEntry(entry: string, outdir: string): Promise<{ file: string; bytes: number; inputs: string[] }> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const file = resolve(outdir, 'index.mjs');
  const { metafile } = await build({
    entryPoints: { index: resolve(REPO_ROOT, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    // BUNDLE_MINIFY=false keeps names and lines readable in a CPU profile (`npm run bench:lambda -- --cpu-prof`).
    minify: process.env.BUNDLE_MINIFY !== 'false',
    keepNames: true,
    legalComments: 'none',
    banner: { js: ESM_BANNER },
    external: ['@electric-sql/pglite', CEDAR_PACKAGE, `${CEDAR_PACKAGE}/*`],
    plugins: [leaveOutUnused],
    tsconfig: resolve(REPO_ROOT, 'tsconfig.base.json'),
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: REPO_ROOT,
  });
  return {
    file,
    bytes: Object.values(metafile.outputs).reduce((total, output) => total + output.bytes, 0),
    // Inputs from plugins' stubs (namespaced paths such as `zod-locales-stub:…`) are not files.
    inputs: Object.keys(metafile.inputs).filter((input) => !input.includes(':')),
  };
}

const SERVER_NAMES_SET: ReadonlySet<BundleName> = new Set(SERVER_NAMES);

/** A server's bundle carries the Cedar engine, and its shipped call policies as validated now (an input of the bundle). */
async function withCallPolicies(outdir: string, server: ServerName): Promise<string[]> {
  await copyCedarEngine(outdir);
  const policies = await writeValidatedCallPolicies(REPO_ROOT, outdir, server);
  return policies ? [policies] : [];
}

/** Copies the Cedar engine's Node build into `<bundle>/node_modules`, where the bundle's `require` finds it. */
async function copyCedarEngine(outdir: string): Promise<void> {
  // Its exports map names no package.json: from the Node build's entry, one folder up.
  const from = dirname(dirname(require.resolve(`${CEDAR_PACKAGE}/nodejs`, { paths: [REPO_ROOT] })));
  const to = resolve(outdir, 'node_modules', CEDAR_PACKAGE);
  for (const file of CEDAR_FILES) await cp(resolve(from, file), resolve(to, file), { recursive: true });
}
