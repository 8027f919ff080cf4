export { loadFleet } from './load';
export { selectTenants, CREDENTIAL_SECRET_ID, type Fleet, type TenantConfig, type PbxSettings } from './resolve';
export { fleetJsonSchema, FEATURES, FEATURE_APIS, KIT_APIS, type Feature } from './schema';
