import { defineCommand } from '../support/command';
import { renderTable } from '../support/table';
import { runCommand, type Cli } from '../support/run';

/** `gwkit config validate`: check gwkit.yaml and everything it includes; exit 2 on any problem. */
export const configValidateCommand = (cli: Cli) =>
  defineCommand({
    command: 'validate',
    describe: 'Check gwkit.yaml (and included files): every problem with file, line, tenant and field',
    builder: (y) => y.example('$0 config validate --config fleet/gwkit.yaml', 'Check a fleet before a deploy'),
    handler: (args) =>
      runCommand(cli, args, 'config validate', async () => {
        const [{ loadFleet, selectSuites }, { gwkitCommand }] = await Promise.all([
          import('../../lib/config'),
          import('../../lib/workflow/printed-commands'),
        ]);
        const fleet = loadFleet(args.config);
        const selected = selectSuites(fleet, args.tenant);
        const pbxTenantOf = (t: { pbxTenant: { domain: string } | { name: string } }) =>
          'domain' in t.pbxTenant ? t.pbxTenant.domain : t.pbxTenant.name;
        const google = selected.google.map((t) => ({
          id: t.id,
          suite: 'google-workspace' as const,
          pbxTenant: pbxTenantOf(t),
          projectId: t.projectId,
          features: t.features,
          apis: t.apis,
          backend: t.backend.type,
          deletionPolicy: t.deletionPolicy,
        }));
        const microsoft365 = selected.microsoft365.map((t) => ({
          id: t.id,
          suite: 'microsoft-365' as const,
          pbxTenant: pbxTenantOf(t),
          directoryId: t.microsoft365.directoryId,
          nationalCloud: t.microsoft365.nationalCloud,
          features: t.microsoft365.features,
          graphPermissions: t.microsoft365.graphPermissions,
          backend: t.backend.type,
          // The stack registers what discover recorded: without it, synth has no redirect URIs and no certificate.
          pbxFacts: t.microsoft365.facts ? 'recorded' : `missing: run ${gwkitCommand(`discover --tenant ${t.id}`)}`,
        }));
        const tenantCount = fleet.tenants.length + fleet.microsoft365Tenants.length;
        const headers = ['TENANT', 'SUITE', 'PBX TENANT', 'PROJECT / DIRECTORY', 'FEATURES', 'BACKEND', 'DELETION / PBX FACTS'];
        const rows = [
          ...google.map((t) => [t.id, t.suite, t.pbxTenant, t.projectId, t.features.join(','), t.backend, t.deletionPolicy]),
          ...microsoft365.map((t) => [t.id, t.suite, t.pbxTenant, t.directoryId, t.features.join(','), t.backend, t.pbxFacts]),
        ];
        return {
          json: { result: { file: fleet.file, tenantCount, tenants: [...google, ...microsoft365] } },
          human: () => `${fleet.file}: valid, ${tenantCount} tenant(s)\n${renderTable(headers, rows)}`,
        };
      }),
  });
