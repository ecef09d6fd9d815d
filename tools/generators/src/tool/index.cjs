// Nx loads generators with require(); tsx lets it load this one's TypeScript on Node 20 as on 22.
require('tsx/cjs/api').register();
module.exports = require('./generator.ts');
