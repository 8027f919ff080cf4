/** PortSIP PBX REST client: typed from the vendored OpenAPI spec (lib/pbx/generated). */
export { PortSipClient, PORTSIP_CLIENT_ID } from './client';
export { pickTenant, assertTenantLive, describeTenant } from './tenant-lookup';
export type { PbxConnectionOptions } from './client';
export { PortSipError, ClientErrorCode, PbxLoginChallengedError, PbxTenantRefError, PbxTenantNotLiveError } from './errors';
export { RequestBudget } from './request-budget';
export { PbxSessionPool, type PbxSessionTarget } from './session-pool';
export type { TenantRef } from './session';
export type * from './types';
