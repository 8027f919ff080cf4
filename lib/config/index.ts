export { loadFleet } from './load';
export {
  selectSuites,
  selectTenants,
  CREDENTIAL_SECRET_ID,
  type Fleet,
  type TenantConfig,
  type Ms365TenantConfig,
  type SuiteSelection,
  type PbxSettings,
} from './resolve';
export { SUITES, MICROSOFT365_FEATURES, FEATURE_GRAPH_PERMISSIONS, type Suite, type Microsoft365Settings } from './microsoft365';
export { fleetJsonSchema, FEATURES, FEATURE_APIS, KIT_APIS, type Feature } from './schema';
