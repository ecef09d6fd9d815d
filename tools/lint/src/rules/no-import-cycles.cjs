// @ts-check
'use strict';
const { join, relative } = require('node:path');
const { importGraph, resolveRelative, shortestPath } = require('../import-graph.cjs');
const { projectRootOf } = require('../project.cjs');

/**
 * No import cycles in a project's `src/`, between files or between its top-level folders
 * (`src/http` → `src/mcp` → `src/http`). Reported on the import that closes the cycle, with
 * the way back. Type-only, re-export and dynamic imports count: a cycle of types is still a
 * knot a reader has to untie.
 *
 * @type {import('eslint').Rule.RuleModule}
 */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles between files and between top-level folders of a project’s src/' },
    schema: [],
    messages: {
      fileCycle: 'Import cycle: {{path}}. Move what both need into a module of its own, or invert the dependency.',
      folderCycle: 'Folder cycle: {{path}} ({{from}}/ would depend on {{to}}/, which already depends on {{from}}/). Move the shared piece to the lower folder.',
    },
  },
  create(context) {
    const file = context.filename;
    const projectRoot = projectRootOf(file);
    if (!projectRoot) return {};
    const srcRoot = join(projectRoot, 'src');
    if (relative(srcRoot, file).startsWith('..')) return {};
    const graph = importGraph(srcRoot);
    const known = new Set(graph.edges.keys());
    const name = (/** @type {string} */ path) => relative(srcRoot, path);

    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      const target = resolveRelative(known, file, source);
      if (!target) return;
      if (graph.fileCycleOf.get(file)?.includes(target)) {
        const back = shortestPath((from) => graph.edges.get(from) ?? [], target, file) ?? (target === file ? [file] : [target, file]);
        context.report({ node, messageId: 'fileCycle', data: { path: [file, ...back].map(name).join(' → ') } });
        return;
      }
      const [from, to] = [graph.folderOf(file), graph.folderOf(target)];
      if (from === to) return;
      const back = graph.folderPath(to, from);
      if (back) context.report({ node, messageId: 'folderCycle', data: { path: [from, ...back].join(' → '), from, to } });
    };

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
