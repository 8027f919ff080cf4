/**
 * How gwkit writes a command it tells a person to run: exactly as typed in the project folder, in
 * backticks so that it stands out from the prose around it (and so that the printed-commands test
 * finds every one and runs it). Placeholders a person fills in are written `<like-this>`.
 *
 * The CDK CLI is CDK Terrain's `cdktn` (cdktn-cli), pinned in the lockfile: `npm ci` brings it,
 * and it runs on the Node.js the lockfile brings. Why that one: docs/cdk-cli.md.
 */

/** The CDK CLI's executable, as `npx` finds it in the project folder after `npm ci`. */
export const CDK_CLI = 'cdktn';

/** What the CDK CLI does with a tenant's stack. */
export type CdkVerb = 'synth' | 'diff' | 'deploy' | 'destroy' | 'output';

/** `npx gwkit ARGS`, as printed. */
export function gwkitCommand(args: string): string {
  return `\`npx gwkit ${args}\``;
}

/**
 * The CDK CLI on some stacks, as printed. GWKIT_TENANTS makes the app synthesize only those
 * stacks (a fleet of thousands otherwise synthesizes every stack for each command).
 */
export function cdkCommand(verb: CdkVerb, stacks: readonly string[], extra = ''): string {
  const selection = stacks.length ? `GWKIT_TENANTS=${stacks.join(',')} ` : '';
  const names = stacks.length ? ` ${stacks.join(' ')}` : '';
  return `\`${selection}npx ${CDK_CLI} ${verb}${names}${extra ? ` ${extra}` : ''}\``;
}

/**
 * What `gwkit deploy` (and the other Terraform verbs) answers: gwkit does not run Terraform; the
 * CDK CLI line for the stacks named. With none named, synth takes the whole fleet and the other
 * verbs show where the tenant goes.
 */
export function cdkInstead(verb: CdkVerb, stacks: readonly string[]): string {
  const command = cdkCommand(verb, stacks.length || verb === 'synth' ? stacks : ['<tenant>']);
  return `gwkit does not run Terraform: the CDK CLI does (${verb}). Run ${command}`;
}
