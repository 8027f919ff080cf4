/**
 * gwkit as a library: the constructs and stacks (for your own cdktf app), the fleet config loader,
 * and the workflow functions the CLI is made of. Requiring it runs nothing; the cdktf app is
 * main.ts and the CLI is cli/gwkit.ts.
 */
export * from './constructs';
export { TenantStack } from './stacks/tenant-stack';
export { buildFleetApp, type FleetAppProps } from './stacks/fleet-app';
export { loadFleet, selectTenants, type Fleet, type TenantConfig } from './lib/config';
