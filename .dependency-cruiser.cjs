/**
 * Layering rules, checked by test/architecture.test.ts (dependency-cruiser):
 * - no import cycles;
 * - the product (lib, cli, stacks, constructs, main.ts, index.ts) never imports test instruments
 *   (emulators/, test/) or a devDependency;
 * - constructs and stacks never import app config or workflow code: constructs take props, and the
 *   only shared rules are Google's naming rules in lib/naming;
 * - libraries never import the CLI (the CLI renders what libraries return);
 * - the PortSIP client (lib/pbx) and the Google adapter (lib/google) never import each other: what
 *   joins them is workflow (lib/workflow).
 */
const PRODUCT = '^(lib|cli|stacks|constructs)/|^(main|index)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles make load order matter.', from: {}, to: { circular: true } },
    {
      name: 'product-not-on-test-instruments',
      severity: 'error',
      comment: 'Emulators and tests are test instruments, never a code path of the product.',
      from: { path: PRODUCT },
      to: { path: '^(emulators|test)/' },
    },
    {
      name: 'product-not-on-dev-dependencies',
      severity: 'error',
      comment: 'What the product needs at run time must be a dependency.',
      from: { path: PRODUCT },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'constructs-not-on-app-code',
      severity: 'error',
      comment: 'Constructs take props; only lib/naming (Google rules) is shared.',
      from: { path: '^constructs/' },
      to: { path: '^(lib|cli|stacks)/', pathNot: '^lib/naming/' },
    },
    {
      name: 'lib-not-on-cli',
      severity: 'error',
      comment: 'Libraries return results; the CLI renders them. A library that imports the CLI cannot be used without it.',
      from: { path: '^lib/' },
      to: { path: '^cli/' },
    },
    {
      name: 'pbx-and-google-apart',
      severity: 'error',
      comment: 'The PortSIP client and the Google adapter know nothing of each other; lib/workflow joins them.',
      from: { path: '^lib/pbx/' },
      to: { path: '^lib/google/' },
    },
    {
      name: 'google-and-pbx-apart',
      severity: 'error',
      comment: 'The Google adapter and the PortSIP client know nothing of each other; lib/workflow joins them.',
      from: { path: '^lib/google/' },
      to: { path: '^lib/pbx/' },
    },
    {
      name: 'stacks-not-on-workflow',
      severity: 'error',
      comment: 'Stacks do no I/O beyond synth: config types and console links only.',
      from: { path: '^stacks/' },
      to: { path: '^(cli|lib/workflow|lib/pbx|lib/google)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|cdktf\\.out|node_modules)/|generated/' },
    tsPreCompilationDeps: true,
  },
};
