import type { CommandModule } from 'yargs';
import { loadFleet, selectTenants } from '../../../lib/config';
import { runCommand, type GlobalArgs } from '../../support/run';
import { renderTable } from '../../support/table';

/** `gwkit config validate`: check gwkit.yaml and everything it includes; exit 2 on any problem. */
export const validateCommand: CommandModule<object, GlobalArgs> = {
  command: 'validate',
  describe: 'Check gwkit.yaml (and included files): every problem with file, line, tenant and field',
  handler: (args) =>
    runCommand(args, () => {
      const fleet = loadFleet(args.config);
      const tenants = selectTenants(fleet, args.tenant);
      const data = {
        ok: true,
        file: fleet.file,
        tenantCount: fleet.tenants.length,
        tenants: tenants.map((t) => ({
          id: t.id,
          pbxTenant: t.pbxTenant,
          projectId: t.projectId,
          features: t.features,
          apis: t.apis,
          backend: t.backend.type,
          deletionPolicy: t.deletionPolicy,
        })),
      };
      return {
        data,
        human: () =>
          `${fleet.file}: valid, ${fleet.tenants.length} tenant(s)\n` +
          renderTable(
            ['TENANT', 'PBX TENANT', 'PROJECT', 'FEATURES', 'BACKEND', 'DELETION'],
            data.tenants.map((t) => [
              t.id,
              'domain' in t.pbxTenant ? t.pbxTenant.domain : t.pbxTenant.name,
              t.projectId,
              t.features.join(','),
              t.backend,
              t.deletionPolicy,
            ]),
          ),
      };
    }),
};
