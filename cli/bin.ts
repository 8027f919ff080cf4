#!/usr/bin/env node
/**
 * The `gwkit` binary: checks the Node.js version before loading anything that needs a current one
 * (undici 8, yargs 18), so that an old Node says so instead of failing with a stack trace. Only
 * lib/exit-codes (no imports, old syntax) is loaded before the check.
 */
import { ExitCode, MIN_NODE_MAJOR, oldNodeText } from '../lib/exit-codes';

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(oldNodeText(process.version));
  process.exit(ExitCode.BadInput);
}
require('./gwkit').main();
