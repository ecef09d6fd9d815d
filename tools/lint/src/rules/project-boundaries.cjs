// @ts-check
'use strict';
const { isUnder, projectRootOf, splitPackageSpecifier, workspaceProjects, workspaceRootOf } = require('../project.cjs');

/**
 * @typedef {{ sourceTag: string, onlyDependOnTags: string[], entries?: Record<string, string[]> }} DependencyConstraint
 */

/**
 * Projects meet only at their public entry points, by Nx tags:
 * - an import of a workspace package names one of its package.json `exports` (never its `src/`);
 * - a project's `src/` depends only on the tags its constraint allows, and on a dependency's
 *   entry points for its audience when the constraint lists them (`entries`, by package name).
 * Tests may also use test peers (any workspace package) through their public entry points.
 *
 * @type {import('eslint').Rule.RuleModule}
 */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce project boundaries: public entry points only, dependencies by Nx tags' },
    schema: [
      {
        type: 'object',
        properties: {
          depConstraints: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                sourceTag: { type: 'string' },
                onlyDependOnTags: { type: 'array', items: { type: 'string' } },
                entries: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
              },
              required: ['sourceTag', 'onlyDependOnTags'],
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      deepImport: '{{specifier}} reaches into {{name}}: import one of its entry points ({{entries}}).',
      unknownEntry: '{{name}} has no entry point {{entry}}: use one of {{entries}}.',
      forbiddenTag: 'A {{sourceTag}} project may depend only on {{allowed}}; {{name}} is {{tags}}.',
      forbiddenEntry: '{{name}}{{entrySuffix}} is not for {{sourceTag}} projects: use {{entries}}.',
    },
  },
  create(context) {
    const file = context.filename;
    const workspaceRoot = workspaceRootOf(file);
    const projectRoot = projectRootOf(file);
    if (!workspaceRoot || !projectRoot) return {};
    const projects = workspaceProjects(workspaceRoot);
    const self = [...projects.values()].find((project) => project.dir === projectRoot);
    /** @type {DependencyConstraint[]} */
    const constraints = context.options[0]?.depConstraints ?? [];
    const inSource = isUnder(file, projectRoot, 'src');
    const applying = inSource && self ? constraints.filter((constraint) => self.tags.includes(constraint.sourceTag)) : [];

    /** @param {import('estree').Node} node @param {unknown} specifier */
    const check = (node, specifier) => {
      if (typeof specifier !== 'string' || specifier.startsWith('.')) return;
      const { name, entry } = splitPackageSpecifier(specifier);
      const target = projects.get(name);
      if (!target || target === self) return;
      const entries = target.entries.map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`)).join(', ');
      if (!target.entries.includes(entry)) {
        const deep = entry.startsWith('./src/') || entry === './src';
        context.report({ node, messageId: deep ? 'deepImport' : 'unknownEntry', data: { specifier, name, entry, entries } });
        return;
      }
      for (const constraint of applying) {
        if (!target.tags.some((tag) => constraint.onlyDependOnTags.includes(tag))) {
          context.report({ node, messageId: 'forbiddenTag', data: { sourceTag: constraint.sourceTag, allowed: constraint.onlyDependOnTags.join(', ') || 'nothing', name, tags: target.tags.join(', ') || 'untagged' } });
          return;
        }
        const audience = constraint.entries?.[name];
        if (audience && !audience.includes(entry)) {
          const allowed = audience.map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`)).join(', ');
          context.report({ node, messageId: 'forbiddenEntry', data: { name, entrySuffix: entry === '.' ? '' : entry.slice(1), sourceTag: constraint.sourceTag, entries: allowed } });
          return;
        }
      }
    };

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

