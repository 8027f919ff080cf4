/** The constructs of the tenant stacks (Google Workspace: the first three). */
export * from './integration-project';
export * from './workspace-apis';
export * from './client-credential-slot';
/** Microsoft 365 tenants: the Entra application and Graph consent. */
export * from './entra-app-registration';
export * from './entra-graph-consent';
