/**
 * Minimal require hook so `node -r ./emulators/pbx/register.js emulators/pbx/main.ts` runs the
 * TypeScript sources directly (transpile only, via the @swc/core the tests already use).
 */
const { transformSync } = require('@swc/core');
const fs = require('node:fs');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
