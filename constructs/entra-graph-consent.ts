import { AppRoleAssignment } from '@cdktf/provider-azuread/lib/app-role-assignment';
import { DataAzureadServicePrincipal } from '@cdktf/provider-azuread/lib/data-azuread-service-principal';
import { Construct } from 'constructs';

/** Microsoft Graph's application (client) id: the same in every directory and national cloud. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Graph permission names as Microsoft writes them: `User.Read.All`, `User-Phone.ReadWrite.All`. */
const PERMISSION_NAME = /^[A-Za-z]+(-[A-Za-z]+)?(\.[A-Za-z]+)+$/;

/**
 * Microsoft Graph's service principal in the customer's directory, read (not managed): its app
 * role ids are looked up by name at apply time, so no GUID is copied into gwkit.
 */
export class MicrosoftGraphPrincipal extends Construct {
  readonly graph: DataAzureadServicePrincipal;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.graph = new DataAzureadServicePrincipal(this, 'graph', { clientId: MICROSOFT_GRAPH_APP_ID });
  }

  /** The id of Graph's application permission (app role) `name`. */
  roleId(name: string): string {
    if (!PERMISSION_NAME.test(name))
      throw new Error(`MicrosoftGraphPrincipal ${this.node.path}: "${name}" is not a Graph permission name like "User.Read.All"`);
    return this.graph.appRoleIds.lookup(name);
  }
}

export interface EntraGraphConsentProps {
  readonly graph: MicrosoftGraphPrincipal;
  /** Object id of the application's service principal in the directory. */
  readonly principalObjectId: string;
  /** Graph application permissions to grant, e.g. User.Read.All. */
  readonly permissions: readonly string[];
}

/**
 * Tenant-wide admin consent to Graph application permissions, as code: one app role assignment
 * per permission, on Graph's service principal, to the application's service principal. This is
 * what "Grant admin consent" in the Entra portal creates. The deploying identity needs Privileged
 * Role Administrator (a user) or AppRoleAssignment.ReadWrite.All + Application.Read.All (a service
 * principal): docs/microsoft-365.md. Resource ids are the permission names, so adding one never
 * replaces the others.
 */
export class EntraGraphConsent extends Construct {
  readonly assignments: readonly AppRoleAssignment[];

  constructor(scope: Construct, id: string, props: EntraGraphConsentProps) {
    super(scope, id);
    const names = [...new Set(props.permissions)].sort();
    if (names.length === 0) throw new Error(`EntraGraphConsent ${this.node.path}: permissions is empty; name at least one`);
    this.assignments = names.map(
      (name) =>
        new AppRoleAssignment(this, name, {
          appRoleId: props.graph.roleId(name),
          principalObjectId: props.principalObjectId,
          resourceObjectId: props.graph.graph.objectId,
        }),
    );
  }
}
