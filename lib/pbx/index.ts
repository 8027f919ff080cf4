/** PortSIP PBX REST client: typed from the vendored OpenAPI spec (lib/pbx/generated). */
export { PortSipClient, PORTSIP_CLIENT_ID } from './client';
export type { PbxConnectionOptions } from './client';
export { PortSipError, ClientErrorCode } from './errors';
export { openTenantSession } from './session';
export type { TenantRef } from './session';
export type * from './types';
