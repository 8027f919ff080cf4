/**
 * PortSIP request/response shapes, derived from the generated OpenAPI types (never hand-written):
 * regenerate with `npm run gen:pbx-types` when the vendored spec changes.
 */
import type { paths as ApiPaths } from './generated/portsip-api';
import type { components as SupplementComponents, paths as SupplementPaths } from './generated/portsip-supplement';

/** Every PortSIP path we know: the published spec plus the documented-but-unspecified supplement. */
export type PortSipPaths = ApiPaths & SupplementPaths;
export type PortSipPath = keyof PortSipPaths;
export type HttpMethod = 'get' | 'post';

type Operation<P extends PortSipPath, M extends HttpMethod> = NonNullable<PortSipPaths[P][M]>;

/** JSON body of the 200 answer (`undefined` when the spec declares none). */
export type ResponseOf<P extends PortSipPath, M extends HttpMethod> =
  Operation<P, M> extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R : undefined;

/** JSON (or form) request body. */
export type RequestOf<P extends PortSipPath, M extends HttpMethod> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : Operation<P, M> extends { requestBody?: { content: { 'application/x-www-form-urlencoded': infer F } } }
      ? F
      : never;

/** Query parameters. */
export type QueryOf<P extends PortSipPath, M extends HttpMethod> = Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : never;

export type TenantList = ResponseOf<'/tenants', 'get'>;
export type TenantSummary = NonNullable<TenantList['items']>[number];
export type Tenant = ResponseOf<'/tenant', 'get'>;
export type GoogleIntegration = ResponseOf<'/google', 'get'>;
export type SystemGoogleIntegration = ResponseOf<'/admin/google', 'get'>;
/** Both fields required: gwkit always writes the pair together. */
export type GoogleIntegrationUpdate = Required<RequestOf<'/google', 'post'>>;
export type Ms365Integration = ResponseOf<'/ms365', 'get'>;
export type Ms365IntegrationUpdate = RequestOf<'/ms365', 'post'>;
export type Ms365Users = ResponseOf<'/ms365/users', 'get'>;
export type TenantNotification = ResponseOf<'/tenant/notification', 'get'>;
export type TenantNotificationUpdate = RequestOf<'/tenant/notification', 'post'>;
export type SystemNotification = ResponseOf<'/admin/notification', 'get'>;
export type SystemNotificationUpdate = RequestOf<'/admin/notification', 'post'>;
export type TestEmail = RequestOf<'/tenant/notification/test_email', 'post'>;
export type TokenRequest = RequestOf<'/login/oauth/token', 'post'>;
export type TokenResponse = ResponseOf<'/login/oauth/token', 'post'>;
export type PortSipErrorBody = SupplementComponents['schemas']['Errors'];

/** `tenant` = the tenant the session is switched to (/google ...), `system` = /admin/... */
export type IntegrationLevel = 'tenant' | 'system';
