/**
 * Two adjustments to cdktf 0.21.0, the final release (HashiCorp archived CDKTF on 2025-12-10, so
 * no fix will come upstream). Neither changes a byte of the synthesized JSON
 * (test/stacks/fleet-synth.test.ts snapshots it); docs/performance.md has the measurements.
 *
 * 1. cdktf 0.21.0 is the final release (HashiCorp archived CDKTF on 2025-12-10), and its
 * TerraformOutput calls Node's `util.isArray`, deprecated since Node 22 (DEP0044): every synth on a
 * current Node printed a deprecation warning that users took for an error. `util.isArray` was
 * always exactly `Array.isArray`; pointing it there, once, before cdktf is used, removes the warning
 * and changes nothing else.
 */
import { dirname, join } from 'node:path';
import util from 'node:util';

const legacy = util as unknown as { isArray: (value: unknown) => boolean };
if (legacy.isArray !== Array.isArray) legacy.isArray = Array.isArray;

/*
 * 2. cdktf records a full stack trace (Error.stackTraceLimit = infinity) for every token it
 * creates, only to quote it if that token later fails to resolve. A tenant stack makes hundreds of
 * tokens: on a 1,000-tenant synth this was about a fifth of the CPU and a quarter of the memory.
 * gwkit validates its inputs before synth, so the traces would never be read: they are not taken.
 * (cdktf's package exports hide the module, hence the path beside its entry point.)
 */
const stackTrace = require(join(dirname(require.resolve('cdktf')), 'tokens/private/stack-trace.js')) as {
  captureStackTrace: () => string[];
};
stackTrace.captureStackTrace = () => [];
