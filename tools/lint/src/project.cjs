// @ts-check
'use strict';
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { dirname, join, relative, sep } = require('node:path');

/**
 * @typedef {{ name: string, dir: string, tags: string[], entries: string[] }} WorkspaceProject
 */

/** The nearest folder above `file` holding a package.json: its project root. @param {string} file */
function projectRootOf(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** @param {string} dir */
function readPackage(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** The workspace root: the nearest folder above `file` whose package.json lists workspaces. @param {string} file */
function workspaceRootOf(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && readPackage(dir).workspaces) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** @type {Map<string, Map<string, WorkspaceProject>>} */
const projectsCache = new Map();

/**
 * The workspace's projects by package name, from the root package.json's `workspaces`
 * (a folder, or a folder ending in `/*`): their tags (`nx.tags`) and public entry points
 * (`exports` keys; `.` alone without them).
 * @param {string} root
 */
function workspaceProjects(root) {
  const cached = projectsCache.get(root);
  if (cached) return cached;
  /** @type {Map<string, WorkspaceProject>} */
  const projects = new Map();
  for (const pattern of /** @type {string[]} */ (readPackage(root).workspaces)) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(root, pattern.slice(0, -2), entry.name))
      : [join(root, pattern)];
    for (const dir of dirs) {
      if (!existsSync(join(dir, 'package.json'))) continue;
      const json = readPackage(dir);
      projects.set(json.name, { name: json.name, dir, tags: json.nx?.tags ?? [], entries: json.exports ? Object.keys(json.exports) : ['.'] });
    }
  }
  projectsCache.set(root, projects);
  return projects;
}

/** `@scope/name/sub/path` → `{ name: '@scope/name', entry: './sub/path' }`; `.` for the package itself. @param {string} specifier */
function splitPackageSpecifier(specifier) {
  const parts = specifier.split('/');
  const scoped = specifier.startsWith('@');
  const name = parts.slice(0, scoped ? 2 : 1).join('/');
  const rest = parts.slice(scoped ? 2 : 1);
  return { name, entry: rest.length ? `./${rest.join('/')}` : '.' };
}

/** Whether `file` sits under `dir`/`folder`. @param {string} file @param {string} dir @param {string} folder */
function isUnder(file, dir, folder) {
  return relative(dir, file).split(sep)[0] === folder;
}

module.exports = { projectRootOf, workspaceRootOf, workspaceProjects, splitPackageSpecifier, isUnder };
