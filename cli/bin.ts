#!/usr/bin/env node
/**
 * The `gwkit` binary: checks the Node.js version before loading anything that needs a current one
 * (undici 8, yargs 18), so that an old Node says so instead of failing with a stack trace.
 */
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `gwkit needs Node.js 22 or later (this is ${process.version}). In a clone of gwkit, \`npm ci\` brings Node.js 24 ` +
      'and `npm run` / `npx` use it; elsewhere install Node.js 24 LTS.\n',
  );
  process.exit(2);
}
require('./gwkit').main();
