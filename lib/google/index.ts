/** The Google side of gwkit: credentials, the client pair in Secret Manager, probes and checks. */
export * from './endpoints';
export * from './auth';
export * from './client-credentials';
export * from './token-probe';
export * from './credential-store';
export * from './service-usage';
export * from './projects';
export {
  googleRemoteError,
  summarizeGoogleError,
  isServiceDisabled,
  withPropagationRetry,
  type GoogleErrorSummary,
  type RetryOptions,
} from './errors';
export { type TlsTrustOptions } from './transport';
export * from './secret-text';
export { checkCredentialsFile, noCredentialsError } from './credentials-check';
