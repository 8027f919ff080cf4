/** The three constructs of a tenant stack. */
export * from './integration-project';
export * from './workspace-apis';
export * from './client-credential-slot';
