// @ts-check
'use strict';
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');
const ts = require('typescript');

/**
 * The import graph of one project's `src/` folder: every relative import (static, type-only,
 * re-export or dynamic) resolved to a file. Built once per lint run and folder; rebuilt when a
 * file in it changed (an editor keeps the process alive).
 *
 * @typedef {{ root: string, edges: Map<string, string[]>, fileCycleOf: Map<string, string[]>, folderOf(file: string): string, folderPath(from: string, to: string): string[] | undefined }} ImportGraph
 */

/** @type {Map<string, { stamp: string, graph: ImportGraph }>} */
const cache = new Map();

/** @param {string} root @returns {string[]} */
function sourceFiles(root) {
  /** @type {string[]} */
  const files = [];
  const walk = (/** @type {string} */ dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|cts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  walk(root);
  return files.sort();
}

/** @param {Set<string>} files @param {string} from @param {string} specifier */
function resolveRelative(files, from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, base, join(base, 'index.ts')].find((candidate) => files.has(candidate));
}

/**
 * Strongly connected components of more than one node, or a node with an edge to itself (Tarjan).
 * @param {string[]} nodes @param {(node: string) => readonly string[]} next @returns {string[][]}
 */
function cycles(nodes, next) {
  let counter = 0;
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  /** @type {Map<string, number>} */ const index = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[][]} */ const found = [];
  const visit = (/** @type {string} */ node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next(node)) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(/** @type {number} */ (low.get(node)), /** @type {number} */ (low.get(target))));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(/** @type {number} */ (low.get(node)), /** @type {number} */ (index.get(target))));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    /** @type {string[]} */ const component = [];
    let member;
    do {
      member = /** @type {string} */ (stack.pop());
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || next(node).includes(node)) found.push(component);
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return found;
}

/** A shortest path from `from` to `to` (breadth first), or undefined. @param {(node: string) => Iterable<string>} next @param {string} from @param {string} to */
function shortestPath(next, from, to) {
  /** @type {Map<string, string | undefined>} */
  const previous = new Map([[from, undefined]]);
  const queue = [from];
  while (queue.length) {
    const node = /** @type {string} */ (queue.shift());
    for (const target of next(node)) {
      if (previous.has(target)) continue;
      previous.set(target, node);
      if (target === to) {
        const path = [to];
        for (let step = /** @type {string | undefined} */ (node); step !== undefined; step = previous.get(step)) path.unshift(step);
        return path;
      }
      queue.push(target);
    }
  }
  return undefined;
}

/** @param {string} root @returns {ImportGraph} */
function buildGraph(root) {
  const files = sourceFiles(root);
  const known = new Set(files);
  /** @type {Map<string, string[]>} */
  const edges = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.map((imported) => resolveRelative(known, file, imported.fileName)).filter((target) => target !== undefined);
    edges.set(file, [...new Set(targets)]);
  }
  /** @type {Map<string, string[]>} */
  const fileCycleOf = new Map();
  for (const component of cycles(files, (file) => edges.get(file) ?? [])) for (const file of component) fileCycleOf.set(file, component);

  // A folder is the first path segment under src/; a file directly in src/ is its own unit.
  const folderOf = (/** @type {string} */ file) => relative(root, file).split(sep)[0] ?? file;
  /** @type {Map<string, Set<string>>} */
  const folderEdges = new Map();
  for (const [file, targets] of edges) {
    for (const target of targets) {
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      if (!folderEdges.has(from)) folderEdges.set(from, new Set());
      folderEdges.get(from)?.add(to);
    }
  }
  return {
    root,
    edges,
    fileCycleOf,
    folderOf,
    folderPath: (from, to) => shortestPath((folder) => folderEdges.get(folder) ?? [], from, to),
  };
}

/** What changes the graph: the files' names and modification times. @param {string} root */
function stampOf(root) {
  return sourceFiles(root)
    .map((file) => `${file}:${statSync(file).mtimeMs}`)
    .join('|');
}

/** @param {string} root @returns {ImportGraph} */
function importGraph(root) {
  const stamp = stampOf(root);
  const cached = cache.get(root);
  if (cached && cached.stamp === stamp) return cached.graph;
  const graph = buildGraph(root);
  cache.set(root, { stamp, graph });
  return graph;
}

module.exports = { importGraph, cycles, shortestPath, resolveRelative };
