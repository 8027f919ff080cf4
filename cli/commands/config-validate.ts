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
        const { loadFleet, selectTenants } = await import('../../lib/config');
        const fleet = loadFleet(args.config);
        const tenants = selectTenants(fleet, args.tenant).map((t) => ({
          id: t.id,
          pbxTenant: 'domain' in t.pbxTenant ? t.pbxTenant.domain : t.pbxTenant.name,
          projectId: t.projectId,
          features: t.features,
          apis: t.apis,
          backend: t.backend.type,
          deletionPolicy: t.deletionPolicy,
        }));
        const headers = ['TENANT', 'PBX TENANT', 'PROJECT', 'FEATURES', 'BACKEND', 'DELETION'];
        const rows = tenants.map((t) => [t.id, t.pbxTenant, t.projectId, t.features.join(','), t.backend, t.deletionPolicy]);
        return {
          json: { result: { file: fleet.file, tenantCount: fleet.tenants.length, tenants } },
          human: () => `${fleet.file}: valid, ${fleet.tenants.length} tenant(s)\n${renderTable(headers, rows)}`,
        };
      }),
  });
