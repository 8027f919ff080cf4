/**
 * The PortSIP OpenAPI documents (vendored spec + supplement) turned into request/response
 * validators. The emulator runs every request and every response through these, so it cannot
 * quietly accept or produce anything PortSIP's published contract does not describe.
 */
import { repoRoot } from '../repo-root';
import Ajv2020, { type ValidateFunction, type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;

interface ParamSpec {
  name: string;
  in: 'query' | 'path' | 'header';
  required?: boolean;
  schema?: Json;
}

/** One operation of the spec, with its validators compiled on first use. */
export interface SpecOperation {
  readonly method: string;
  readonly template: string;
  readonly operationId: string;
  /** Whether the operation needs a Bearer token (spec `security`, default: global). */
  readonly secured: boolean;
  readonly source: 'spec' | 'supplement';
  readonly op: Json;
}

export interface ValidationProblem {
  where: string;
  message: string;
}

const ROOT = join(repoRoot(), 'vendor', 'portsip');

function loadJson(file: string): Json {
  return JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Json;
}

/** Resolve local `#/components/...` references (the supplement uses a few; the spec none). */
function deref(node: unknown, doc: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => deref(n, doc));
  if (node && typeof node === 'object') {
    const obj = node as Json;
    if (typeof obj.$ref === 'string' && obj.$ref.startsWith('#/')) {
      let target: unknown = doc;
      for (const part of obj.$ref.slice(2).split('/')) target = (target as Json)[part];
      return deref(target, doc);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, deref(v, doc)]));
  }
  return node;
}

function newAjv(coerce: boolean): Ajv2020 {
  // strict:false because the spec carries OpenAPI annotations (example, x-*) that are not JSON
  // Schema keywords; formats stay validated.
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: coerce, useDefaults: false });
  addFormats(ajv);
  // Formats PortSIP uses that are not standard names.
  ajv.addFormat('date_time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('uint32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff });
  return ajv;
}

function describe(errors: ErrorObject[] | null | undefined, where: string): ValidationProblem[] {
  return (errors ?? []).map((e) => ({
    where: `${where}${e.instancePath}`,
    message: `${e.message ?? 'invalid'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as Json).additionalProperty)})` : ''}`,
  }));
}

export class PortSipSpec {
  private readonly operations: SpecOperation[] = [];
  private readonly errorsSchema: Json;
  private readonly strictAjv = newAjv(false);
  private readonly coercingAjv = newAjv(true);
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    const spec = loadJson('openapi-v22.json');
    const supplement = loadJson('portsip-supplement.json');
    this.errorsSchema = deref((supplement.components as Json).schemas, supplement) as Json;
    this.errorsSchema = this.errorsSchema.Errors as Json;
    for (const [doc, source] of [
      [spec, 'spec'],
      [supplement, 'supplement'],
    ] as const) {
      const globalSecured = Array.isArray(doc.security) && doc.security.length > 0;
      for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
        for (const [method, raw] of Object.entries(item)) {
          if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
          const op = deref(raw, doc) as Json;
          const secured = Array.isArray(op.security) ? op.security.length > 0 : globalSecured;
          this.operations.push({
            method: method.toUpperCase(),
            template,
            operationId: String(op.operationId),
            secured,
            source,
            op,
          });
        }
      }
    }
    // Literal segments win over templates (`/tenants/switch` before `/tenants/{id}`).
    this.operations.sort((a, b) => (a.template.includes('{') ? 1 : 0) - (b.template.includes('{') ? 1 : 0));
  }

  /** Find the operation for a path below `/api`; `pathExists` tells 404 from 405. */
  match(method: string, path: string): { op?: SpecOperation; params: Record<string, string>; pathExists: boolean } {
    let pathExists = false;
    for (const op of this.operations) {
      const params = matchTemplate(op.template, path);
      if (!params) continue;
      pathExists = true;
      if (op.method === method) return { op, params, pathExists };
    }
    return { params: {}, pathExists };
  }

  private compile(key: string, schema: Json, coerce: boolean): ValidateFunction {
    let fn = this.cache.get(key);
    if (!fn) {
      fn = (coerce ? this.coercingAjv : this.strictAjv).compile(schema);
      this.cache.set(key, fn);
    }
    return fn;
  }

  /**
   * Validate query/path parameters and the body. Query and form values arrive as strings, so they
   * are type-coerced (in place) the way a server would parse them. Unknown query parameters are
   * rejected: PortSIP may ignore them, but a client relying on one would be relying on nothing.
   */
  validateRequest(
    op: SpecOperation,
    input: {
      query: Record<string, string>;
      pathParams: Record<string, string>;
      contentType?: string;
      body: unknown;
      rawBodyLength: number;
    },
  ): ValidationProblem[] {
    const problems: ValidationProblem[] = [];
    const params = (op.op.parameters as ParamSpec[] | undefined) ?? [];
    for (const where of ['query', 'path'] as const) {
      const declared = params.filter((p) => p.in === where);
      const schema: Json = {
        type: 'object',
        properties: Object.fromEntries(declared.map((p) => [p.name, p.schema ?? {}])),
        required: declared.filter((p) => p.required || where === 'path').map((p) => p.name),
        additionalProperties: false,
      };
      const data = where === 'query' ? input.query : input.pathParams;
      const fn = this.compile(`${op.method} ${op.template} ${where}`, schema, true);
      if (!fn(data)) problems.push(...describe(fn.errors, where));
    }
    const requestBody = op.op.requestBody as { required?: boolean; content?: Record<string, { schema?: Json }> } | undefined;
    if (!requestBody) {
      if (input.rawBodyLength > 0) problems.push({ where: 'body', message: 'this operation takes no request body' });
      return problems;
    }
    if (input.rawBodyLength === 0) {
      if (requestBody.required) problems.push({ where: 'body', message: 'request body is required' });
      return problems;
    }
    const mediaType = (input.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const media = requestBody.content?.[mediaType];
    if (!media) {
      problems.push({
        where: 'body',
        message: `content type '${mediaType || 'none'}' not accepted; expected ${Object.keys(requestBody.content ?? {}).join(', ')}`,
      });
      return problems;
    }
    if (input.body === undefined) {
      problems.push({ where: 'body', message: 'body is not valid ' + mediaType });
      return problems;
    }
    const form = mediaType === 'application/x-www-form-urlencoded';
    const fn = this.compile(`${op.method} ${op.template} body ${mediaType}`, media.schema ?? {}, form);
    if (!fn(input.body)) problems.push(...describe(fn.errors, 'body'));
    return problems;
  }

  /**
   * `default` of every property of the JSON request body schema of `METHOD template` that declares
   * one (e.g. `auth: 'AUTO'`, `enable_tls_ssl: true` for the notification settings).
   */
  requestDefaults(method: string, template: string): Record<string, unknown> {
    const op = this.operations.find((o) => o.method === method && o.template === template);
    const body = op?.op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined;
    const properties = (body?.content?.['application/json']?.schema?.properties ?? {}) as Record<string, Json>;
    return Object.fromEntries(
      Object.entries(properties)
        .filter(([, p]) => p.default !== undefined)
        .map(([k, p]) => [k, p.default]),
    );
  }

  /**
   * Validate a response: the status must be declared (exactly, as `4XX`, or `default`; 5xx may
   * always happen), a declared JSON body must match its schema, an undeclared one must be absent,
   * and any error status must carry PortSIP's documented `{"errors":[...]}` body.
   */
  /** A file download: the status must declare an application/octet-stream answer. */
  validateBinaryResponse(op: SpecOperation | undefined, status: number): ValidationProblem[] {
    const responses = (op?.op.responses as Record<string, { content?: Record<string, unknown> }>) ?? {};
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    return declared?.content?.['application/octet-stream']
      ? []
      : [{ where: 'response', message: `status ${status} of ${op?.method} ${op?.template} declares no application/octet-stream answer` }];
  }

  validateResponse(
    op: SpecOperation | undefined,
    status: number,
    body: unknown,
    hasBody: boolean,
    options: { errorBodyOn2xx?: boolean } = {},
  ): ValidationProblem[] {
    const problems: ValidationProblem[] = [];
    if (options.errorBodyOn2xx && status >= 200 && status < 300 && hasBody && body && typeof body === 'object' && 'errors' in body) {
      // A PBX that reports errors with HTTP 200 (behaviour `errorsOn2xx`, `errorBodyNext`): the body
      // must then be a PortSIP error body, whatever the operation declares for its 2xx answer.
      const fn = this.compile('errors', this.errorsSchema, false);
      return fn(body)
        ? []
        : [{ where: 'response', message: `error body on ${status} is not a PortSIP error body` }, ...describe(fn.errors, 'response')];
    }
    if (status >= 400) {
      const fn = this.compile('errors', this.errorsSchema, false);
      if (!hasBody || !fn(body))
        problems.push({ where: 'response', message: `error ${status} without a PortSIP error body` }, ...describe(fn.errors, 'response'));
    }
    if (!op) return problems;
    const responses = (op.op.responses as Record<string, { content?: Record<string, { schema?: Json }> }>) ?? {};
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!declared) {
      if (status < 500) problems.push({ where: 'status', message: `status ${status} is not declared for ${op.method} ${op.template}` });
      return problems;
    }
    const schema = declared.content?.['application/json']?.schema;
    if (status < 400) {
      if (!schema && hasBody) problems.push({ where: 'response', message: `status ${status} declares no body, but one was sent` });
      if (schema && !hasBody) problems.push({ where: 'response', message: `status ${status} declares a JSON body, none was sent` });
      if (schema && hasBody) {
        const fn = this.compile(`${op.method} ${op.template} response ${status}`, schema, false);
        if (!fn(body)) problems.push(...describe(fn.errors, 'response'));
      }
    }
    return problems;
  }
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (!p[i]) return undefined;
      params[seg.slice(1, -1)] = decodeURIComponent(p[i]!);
    } else if (seg !== p[i]) return undefined;
  }
  return params;
}

let shared: PortSipSpec | undefined;
/** Parsing the 416-path spec takes a moment: share one instance per process. */
export function portSipSpec(): PortSipSpec {
  shared ??= new PortSipSpec();
  return shared;
}
