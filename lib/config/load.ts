/**
 * Reading gwkit.yaml (and the files it includes) into a validated, resolved fleet.
 *
 * Every problem is reported as `FILE:LINE:COL: tenants[3] (id "acme").field: what was expected`,
 * all problems at once, and nothing downstream ever sees a half-valid fleet.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import YAML, { isMap, isNode, isPair, isScalar, LineCounter } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors';
import { FleetFileSchema, TenantFileSchema, type DefaultsInput, type TenantInput } from './schema';
import { resolveFleet, type Fleet } from './resolve';

/** A tenant entry as read, with where it came from (for error messages). */
export interface SourcedTenant {
  readonly input: TenantInput;
  readonly file: string;
  readonly index: number;
  /** `file:line:col` of the entry, for messages. */
  readonly location: string;
}

interface ParsedFile {
  readonly file: string;
  readonly display: string;
  readonly doc: YAML.Document.Parsed;
  readonly lines: LineCounter;
}

/** Where the config file name is displayed relative to: the working directory. */
function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

function parseYamlFile(file: string): ParsedFile {
  const display = displayName(file);
  if (!existsSync(file)) {
    throw new InputError(`${display}: config file not found (set --config, or create gwkit.yaml; see examples in the README)`);
  }
  const lines = new LineCounter();
  const doc = YAML.parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputError(
      `${display}: not valid YAML`,
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return `${display}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  return { file, display, doc, lines };
}

/** `file:line:col` of the YAML node at `path`, or of its nearest existing ancestor. */
function locate(parsed: ParsedFile, path: readonly PropertyKey[], key?: string): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = parsed.doc.getIn(path.slice(0, depth) as unknown[], true);
    if (!isNode(node)) continue;
    let offset = node.range?.[0];
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair && isNode(pair.key)) offset = pair.key.range?.[0];
    }
    if (offset !== undefined) {
      const pos = parsed.lines.linePos(offset);
      return `${parsed.display}:${pos.line}:${pos.col}`;
    }
  }
  return parsed.display;
}

/** `tenants[2] (id "acme").features[0]` — what a person recognises in their file. */
function describePath(path: readonly PropertyKey[], data: unknown): string {
  let out = '';
  let cursor: unknown = data;
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
    cursor = cursor && typeof cursor === 'object' ? (cursor as Record<PropertyKey, unknown>)[part] : undefined;
    if (typeof part === 'number' && path[0] === 'tenants' && out.startsWith('tenants[') && !out.includes('.')) {
      const id = cursor && typeof cursor === 'object' ? (cursor as { id?: unknown }).id : undefined;
      if (typeof id === 'string') out += ` (id "${id}")`;
    }
  }
  return out || '(top level)';
}

/** Turn zod issues into one line per problem, each with file, line, tenant and field. */
function formatIssues(parsed: ParsedFile, data: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = locate(parsed, issue.path, key);
        const field = describePath([...issue.path, key], data);
        lines.push(`${where}: ${field}: unknown setting "${key}" (misspelt? \`gwkit config schema\` lists every setting)`);
      }
      continue;
    }
    const where = locate(parsed, issue.path);
    const received = receivedValue(data, issue.path);
    lines.push(`${where}: ${describePath(issue.path, data)}: ${issue.message}${received}`);
  }
  return lines;
}

function receivedValue(data: unknown, path: readonly PropertyKey[]): string {
  let cursor: unknown = data;
  for (const part of path) {
    if (!cursor || typeof cursor !== 'object') return '';
    cursor = (cursor as Record<PropertyKey, unknown>)[part];
  }
  if (cursor === undefined) return ' (missing)';
  if (typeof cursor === 'string' || typeof cursor === 'number' || typeof cursor === 'boolean') {
    return ` (got ${JSON.stringify(cursor)})`;
  }
  return '';
}

function validateFile<S extends z.ZodType>(parsed: ParsedFile, schema: S): z.infer<S> {
  const data: unknown = parsed.doc.toJS() ?? {};
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new InputError(`${parsed.display}: invalid configuration`, formatIssues(parsed, data, result.error.issues));
  }
  return result.data;
}

/** The tenant files an `include` entry names: a file, or every *.yaml / *.yml in a folder (sorted). */
function expandInclude(baseDir: string, entry: string, from: ParsedFile, index: number): string[] {
  const target = resolvePath(baseDir, entry);
  if (!existsSync(target)) {
    throw new InputError(`${locate(from, ['include', index])}: include[${index}]: "${entry}" does not exist`);
  }
  if (statSync(target).isDirectory()) {
    return readdirSync(target)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(target, name));
  }
  return [target];
}

/** Read, validate and resolve a fleet config. Throws InputError listing every problem. */
export function loadFleet(configPath: string): Fleet {
  const mainFile = resolvePath(configPath);
  const main = parseYamlFile(mainFile);
  const fleetFile = validateFile(main, FleetFileSchema);
  const defaults: DefaultsInput = fleetFile.defaults ?? {};

  const sourced: SourcedTenant[] = [];
  const addTenants = (parsed: ParsedFile, tenants: readonly TenantInput[]) =>
    tenants.forEach((input, index) =>
      sourced.push({ input, file: parsed.display, index, location: locate(parsed, ['tenants', index]) }),
    );
  addTenants(main, fleetFile.tenants ?? []);

  const problems: string[] = [];
  (fleetFile.include ?? []).forEach((entry, index) => {
    for (const file of expandInclude(dirname(mainFile), entry, main, index)) {
      try {
        const parsed = parseYamlFile(file);
        addTenants(parsed, validateFile(parsed, TenantFileSchema).tenants);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(...(error.problems.length ? error.problems : [error.message]));
      }
    }
  });
  if (problems.length) throw new InputError(`${main.display}: invalid configuration`, problems);

  return resolveFleet(main.display, defaults, sourced);
}
