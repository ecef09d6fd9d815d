// @ts-check
'use strict';

/** The workspace's ESLint plugin (`gmcp/*` rules), used by eslint.config.mjs. */
module.exports = {
  meta: { name: '@gmcp/lint' },
  rules: {
    'no-import-cycles': require('./rules/no-import-cycles.cjs'),
    'project-boundaries': require('./rules/project-boundaries.cjs'),
  },
};
