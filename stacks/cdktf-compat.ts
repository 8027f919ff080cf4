/**
 * cdktf 0.21.0 is the final release (HashiCorp archived CDKTF on 2025-12-10), and its
 * TerraformOutput calls Node's `util.isArray`, deprecated since Node 22 (DEP0044): every synth on a
 * current Node printed a deprecation warning that users took for an error. `util.isArray` was
 * always exactly `Array.isArray`; pointing it there, once, before cdktf is used, removes the warning
 * and changes nothing else.
 */
import util from 'node:util';

const legacy = util as unknown as { isArray: (value: unknown) => boolean };
if (legacy.isArray !== Array.isArray) legacy.isArray = Array.isArray;
