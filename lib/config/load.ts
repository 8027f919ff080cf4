/**
 * Reading gwkit.yaml (and the files it includes) into a validated, resolved fleet.
 *
 * Every problem is reported as `FILE:LINE:COL: tenants[3] (id "acme").field: what was expected`,
 * all problems at once, and nothing downstream ever sees a half-valid fleet.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { isNode, type LineCounter } from 'yaml';
import type YAML from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors';
import { FleetFileSchema, PASSWORD_SOURCES, TenantFileSchema, type DefaultsInput, type TenantInput } from './schema';
import { resolveFleet, type Fleet } from './resolve';
import type { SourcedTenant } from './sourced';
import { childNode, parseConfigYaml, parseWithPositions, readConfigText } from './yaml-text';

export { tenantLocation, type SourcedTenant } from './sourced';

/**
 * One config file, parsed by the rules of yaml-text.ts. Line and column positions come from a
 * second, lazy parse, needed only when there is a problem to point at.
 */
export class ConfigSource {
  private positions?: { doc: YAML.Document.Parsed; lines: LineCounter };

  private constructor(
    readonly file: string,
    readonly display: string,
    private readonly text: string,
    readonly data: unknown,
  ) {}

  static read(file: string): ConfigSource {
    const display = displayName(file);
    if (!existsSync(file)) {
      throw new InputError(`${display}: config file not found (set --config, or create gwkit.yaml; see examples in the README)`);
    }
    let text: string;
    try {
      text = readConfigText(file, display);
    } catch (error) {
      if (error instanceof InputError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? 'error'})`;
      throw new InputError(`${display}: ${why}; expected a gwkit.yaml file (YAML)`);
    }
    return new ConfigSource(file, display, text, parseConfigYaml(text, display));
  }

  /** `file:line:col` of the node at `path` (or of `key` in the map there), else of its nearest ancestor. */
  locate(path: readonly PropertyKey[], key?: string): string {
    this.positions ??= parseWithPositions(this.text);
    const { doc, lines } = this.positions;
    // Down the path as far as it goes, through aliases and `<<` merges: a value merged from an
    // anchor is pointed at where the anchor writes it.
    let node: unknown = doc.contents;
    let at: unknown = node;
    let whole = true;
    for (const part of path) {
      const next = childNode(doc, node, part);
      if (!next || !isNode(next.node)) {
        at = next?.keyNode ?? at;
        whole = false;
        break;
      }
      node = at = next.node;
    }
    if (key !== undefined && whole) at = childNode(doc, node, key)?.keyNode ?? at;
    const offset = isNode(at) ? at.range?.[0] : undefined;
    if (offset === undefined) return this.display;
    const pos = lines.linePos(offset);
    return `${this.display}:${pos.line}:${pos.col}`;
  }
}

/** A tenant entry as read, with where it came from (for error messages). */
/** Where the config file name is displayed relative to: the working directory. */
function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
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

/** Fields whose values may be (or be mistaken for) credentials: their values are never echoed. */
const SENSITIVE_FIELD = /password|secret|token|credential/i;

/** Each password source in words; a source added to PASSWORD_SOURCES does not compile without its words. */
const PASSWORD_SOURCE_WORDS: Record<(typeof PASSWORD_SOURCES)[number], string> = {
  passwordEnv: 'an environment variable (pbx.login.passwordEnv)',
  passwordFile: 'a file (passwordFile)',
  passwordSecret: 'a Secret Manager secret (passwordSecret)',
};

/** Where passwords go instead of gwkit.yaml, said the same way in every message. */
const PASSWORD_ADVICE = `passwords never go in gwkit.yaml: name ${PASSWORD_SOURCES.map((k) => PASSWORD_SOURCE_WORDS[k]).join(', ')}, or let gwkit prompt on a terminal`;

/** Turn zod issues into one line per problem, each with file, line, tenant and field. */
function formatIssues(source: ConfigSource, issues: readonly z.core.$ZodIssue[]): string[] {
  const data = source.data;
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = source.locate(issue.path, key);
        const field = describePath([...issue.path, key], data);
        const advice = SENSITIVE_FIELD.test(key)
          ? `${PASSWORD_ADVICE} (value not shown)`
          : 'misspelt? `npx gwkit config schema` lists every setting';
        lines.push(`${where}: ${field}: unknown setting "${key}" (${advice})`);
      }
      continue;
    }
    const where = source.locate(issue.path);
    lines.push(`${where}: ${describePath(issue.path, data)}: ${issue.message}${receivedValue(data, issue.path)}`);
  }
  return lines;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cursor: unknown = data;
  for (const part of path) {
    if (!cursor || typeof cursor !== 'object') return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[part];
  }
  return cursor;
}

/** What was given, for the message: cut short, never a possible credential, with hints for common slips. */
function receivedValue(data: unknown, path: readonly PropertyKey[]): string {
  const value = valueAt(data, path);
  if (value === undefined) return ' (missing)';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return '';
  const field = String(path[path.length - 1] ?? '');
  if (SENSITIVE_FIELD.test(field)) return ` (the value given is not shown: it may be a secret; ${PASSWORD_ADVICE})`;
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(value))
    return ' (the value given is not shown: it holds a user name or password)';
  const text = JSON.stringify(value);
  const shown = text.length > 60 ? `${text.slice(0, 57)}…"` : text;
  const hints: string[] = [];
  if (typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value))
    hints.push('write true or false: in YAML 1.2 yes/no/on/off are plain strings');
  if (typeof value === 'string' && /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/.test(value))
    hints.push('gwkit.yaml does not expand environment variables: write the value itself');
  const foreign = typeof value === 'string' ? [...value].find((c) => c.charCodeAt(0) > 127) : undefined;
  if (foreign) {
    const code = foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    hints.push(`it contains the non-ASCII character "${foreign}" (U+${code}), which may look like a Latin letter`);
  }
  return ` (got ${shown}${hints.length ? `; ${hints.join('; ')}` : ''})`;
}

function validateFile<S extends z.ZodType>(source: ConfigSource, schema: S): z.infer<S> {
  const result = schema.safeParse(source.data);
  const issues = result.success ? [] : formatIssues(source, result.error.issues);
  // A placeholder in a field that failed anyway is said once, by the field's own message.
  const prefix = (line: string) => line.slice(0, line.indexOf(': ', line.indexOf(': ') + 2) + 1);
  const placeholders = placeholderProblems(source).filter((p) => !issues.some((i) => i.startsWith(prefix(p))));
  const problems = [...issues, ...placeholders];
  if (problems.length) throw new InputError(`${source.display}: invalid configuration`, problems);
  return result.data as z.infer<S>;
}

/**
 * `${VAR}` or `$VAR` anywhere: gwkit.yaml is not a template, and a value that happens to pass
 * validation (an app name, say) would otherwise reach Google literally.
 */
function placeholderProblems(source: ConfigSource): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: PropertyKey[]) => {
    if (typeof node === 'string') {
      if (/\$\{[A-Za-z_][A-Za-z0-9_]*\}|^\$[A-Z_][A-Z0-9_]*$/.test(node)) {
        const shown = SENSITIVE_FIELD.test(String(path[path.length - 1] ?? ''))
          ? ''
          : ` ${JSON.stringify(node.length > 60 ? `${node.slice(0, 57)}…` : node)}`;
        found.push(
          `${source.locate(path)}: ${describePath(path, source.data)}:${shown} looks like an environment variable; gwkit.yaml does not expand environment variables (write the value itself; for the PBX password name the variable in pbx.login.passwordEnv)`,
        );
      }
    } else if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) walk(v, [...path, i]);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    }
  };
  walk(source.data, []);
  return found;
}

/** The tenant files an `include` entry names: a file, or every *.yaml / *.yml in a folder (sorted). */
export function includedFiles(baseDir: string, entry: string): string[] {
  const target = resolvePath(baseDir, entry);
  if (statSync(target).isDirectory()) {
    return readdirSync(target)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(target, name));
  }
  return [target];
}

function expandInclude(baseDir: string, entry: string, from: ConfigSource, index: number): string[] {
  if (!existsSync(resolvePath(baseDir, entry))) {
    throw new InputError(`${from.display}: invalid configuration`, [
      `${from.locate(['include', index])}: include[${index}]: "${entry}" does not exist`,
    ]);
  }
  return includedFiles(baseDir, entry);
}

/** Read, validate and resolve a fleet config. Throws InputError listing every problem. */
export function loadFleet(configPath: string): Fleet {
  const mainFile = resolvePath(configPath);
  const main = ConfigSource.read(mainFile);
  const fleetFile = validateFile(main, FleetFileSchema);
  const defaults: DefaultsInput = fleetFile.defaults ?? {};

  const sourced: SourcedTenant[] = [];
  const addTenants = (source: ConfigSource, tenants: readonly TenantInput[]) => {
    for (const [index, input] of tenants.entries()) sourced.push({ input, source, index });
  };
  addTenants(main, fleetFile.tenants ?? []);

  const problems: string[] = [];
  (fleetFile.include ?? []).forEach((entry, index) => {
    for (const file of expandInclude(dirname(mainFile), entry, main, index)) {
      try {
        const source = ConfigSource.read(file);
        addTenants(source, validateFile(source, TenantFileSchema).tenants);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(...(error.problems.length ? error.problems : [error.message]));
      }
    }
  });
  if (problems.length) throw new InputError(`${main.display}: invalid configuration`, problems);

  return resolveFleet(main.display, dirname(mainFile), defaults, fleetFile.google ?? {}, sourced, main);
}
