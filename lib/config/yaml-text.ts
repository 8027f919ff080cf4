/**
 * The YAML rules of gwkit.yaml and its include files: from a file's bytes to its data, with every
 * refusal located (`file:line:col`) and worded for a person, never for a programmer.
 *
 * Two parsers, each for what it does best. js-yaml builds the data: about 10x faster than `yaml`
 * on a 5,000-tenant fleet (docs/performance.md). `yaml` re-reads a file only when there is a problem
 * to point at: it keeps positions and names each syntax problem with a code, which is mapped here
 * to a sentence. Both read the same dialect: YAML 1.2 core schema plus `<<` merge keys.
 *
 * Hostile or foreign input is refused, located, before anything walks the data:
 * - files over MAX_CONFIG_BYTES (read nothing of them), not UTF-8 (UTF-16, Latin-1);
 * - nesting deeper than MAX_NESTING (counted while js-yaml parses, so that neither parser nor
 *   validation recurses into a stack overflow);
 * - aliases that expand the file past MAX_EXPANDED_VALUES values ("billion laughs"): js-yaml shares
 *   an aliased value instead of copying it, so the load is quick, but validation would walk every
 *   copy.
 */
import { readFileSync, statSync } from 'node:fs';
import jsYaml from 'js-yaml';
import YAML, { isAlias, isCollection, isMap, isPair, isScalar, LineCounter, visit, type YAMLError } from 'yaml';
import { InputError } from '../errors';

/** Larger config files are refused unread: a 5,000-tenant fleet is well under 1 MB. */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024;
/** gwkit's settings nest 5 levels deep (tenants[0].pbx.login.role); labels and lists add one or two. */
export const MAX_NESTING = 64;
/** Values a file may hold once aliases are expanded (or as many as it has bytes, if more). */
export const MAX_EXPANDED_VALUES = 1_000_000;
/** Syntax problems shown per file: later ones are mostly echoes of the first. */
const MAX_SYNTAX_PROBLEMS = 10;

/** YAML 1.2 core schema (no timestamps or binary) plus `<<` merge keys, as `yaml`'s `merge: true`. */
const SCHEMA = jsYaml.CORE_SCHEMA.extend({
  // js-yaml 4 exports its built-in types at run time; @types/js-yaml does not declare them.
  implicit: [(jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge],
});
/** The options `yaml` reads a config file with: the same dialect as SCHEMA. */
const YAML_OPTIONS = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/** A config file's text, checked for size and encoding (a byte-order mark is dropped). */
export function readConfigText(file: string, display: string): string {
  const stat = statSync(file);
  if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
  if (!stat.isFile() && !stat.isFIFO()) throw new InputError(`${display}: is not a regular file; expected a gwkit.yaml file (YAML)`);
  if (stat.size > MAX_CONFIG_BYTES) throw tooLarge(display, stat.size);
  const bytes = readFileSync(file);
  if (bytes.length > MAX_CONFIG_BYTES) throw tooLarge(display, bytes.length); // a pipe has no size up front
  return decodeUtf8(bytes, display);
}

function tooLarge(display: string, bytes: number): InputError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new InputError(
    `${display}: is ${mb(bytes)}; gwkit reads config files of up to ${mb(MAX_CONFIG_BYTES)} (split the tenants into several files listed under include:)`,
  );
}

function decodeUtf8(bytes: Buffer, display: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(`${display}: is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const at = text.indexOf('\uFFFD');
    const byte = bytes[Buffer.byteLength(text.slice(0, at))]!;
    const { line, col } = linePosOf(text, at);
    throw new InputError(`${display}: not UTF-8 text`, [
      `${display}:${line}:${col}: the byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} is not UTF-8 (the file was probably saved as Latin-1 or Windows-1252); save it as UTF-8`,
    ]);
  }
}

function linePosOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: offset - lineStart + 1 };
}

/** Thrown from js-yaml's listener to stop it before it recurses too deep. */
class TooDeep extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
  ) {
    super('nested too deeply');
  }
}

/** The data a config file holds; an InputError with located problems when it is not usable YAML. */
export function parseConfigYaml(text: string, display: string): unknown {
  let depth = 0;
  let data: unknown;
  try {
    data = jsYaml.load(text, {
      schema: SCHEMA,
      filename: display,
      listener: (event, state) => {
        if (event === 'close') depth--;
        else if (++depth > MAX_NESTING) throw new TooDeep(state.line + 1, state.position - state.lineStart + 1);
      },
    });
  } catch (error) {
    if (error instanceof TooDeep) {
      throw new InputError(`${display}: not usable YAML`, [
        `${display}:${error.line}:${error.col}: values are nested more than ${MAX_NESTING} levels deep here; gwkit's settings nest a few levels, so this is not a gwkit configuration (check for unclosed [ or {)`,
      ]);
    }
    if (!(error instanceof jsYaml.YAMLException)) throw error;
    const problems = syntaxProblems(text, display, error);
    const shown =
      problems.length > MAX_SYNTAX_PROBLEMS
        ? ` (the first ${MAX_SYNTAX_PROBLEMS} of ${problems.length} problems: the later ones often follow from the first)`
        : '';
    throw new InputError(`${display}: not valid YAML${shown}`, problems.slice(0, MAX_SYNTAX_PROBLEMS));
  }
  const limit = Math.max(MAX_EXPANDED_VALUES, text.length);
  // Without a "*" there is no alias, and nothing to expand (the count costs ~9 ms on 5,000 tenants).
  if (text.includes('*') && expandedValueCount(data, limit) > limit)
    throw new InputError(`${display}: not usable YAML`, [aliasBombProblem(text, display, limit)]);
  return data ?? {};
}

/** `yaml`'s reading of a file, with positions: for locating problems in data js-yaml built. */
export function parseWithPositions(text: string): { doc: YAML.Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  return { doc: YAML.parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines }), lines };
}

/**
 * The value at `path` in `node`, following aliases and `<<` merge keys as js-yaml did when it built
 * the data (explicit keys first, then each merged map in order). Undefined when not there.
 */
export function childNode(doc: YAML.Document.Parsed, node: unknown, key: PropertyKey): { node: unknown; keyNode?: unknown } | undefined {
  const target = resolved(doc, node);
  if (isMap(target)) {
    const pair = target.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    if (pair) return { node: pair.value, keyNode: pair.key };
    for (const merge of target.items) {
      // With `merge: true`, `yaml` gives a `<<` key the value Symbol(<<).
      if (!isPair(merge) || !isScalar(merge.key) || String(merge.key.value) !== 'Symbol(<<)') continue;
      const sources = resolved(doc, merge.value);
      for (const source of isCollection(sources) && !isMap(sources) ? sources.items : [sources]) {
        const found = childNode(doc, source, key);
        if (found) return found;
      }
    }
    return undefined;
  }
  if (isCollection(target) && typeof key === 'number') {
    const item = target.items[key];
    return item === undefined ? undefined : { node: item };
  }
  return undefined;
}

function resolved(doc: YAML.Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** How many values `data` holds with every alias written out; stops counting past `limit`. */
function expandedValueCount(data: unknown, limit: number): number {
  const counted = new Map<object, number>();
  const count = (value: unknown): number => {
    if (!value || typeof value !== 'object') return 1;
    let n = counted.get(value);
    if (n === undefined) {
      n = 1;
      for (const child of Object.values(value)) {
        n += count(child);
        if (n > limit) break;
      }
      counted.set(value, n);
    }
    return n;
  };
  return count(data);
}

/** The alias that stands for the most values, located, for the refusal of an alias bomb. */
function aliasBombProblem(text: string, display: string, limit: number): string {
  const { doc, lines } = parseWithPositions(text);
  const sources = new Map<unknown, unknown>();
  const anchors = new Map<string, unknown>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) sources.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    if (isAlias(node)) return size(sources.get(node));
    if (isPair(node)) return size(node.key) + size(node.value);
    if (!isCollection(node)) return 1;
    let n = sizes.get(node);
    if (n === undefined) {
      n = 1;
      for (const item of node.items) n = Math.min(n + size(item), Number.MAX_SAFE_INTEGER);
      sizes.set(node, n);
    }
    return n;
  };
  let worst: { alias: YAML.Alias; values: number } | undefined;
  for (const alias of sources.keys() as Iterable<YAML.Alias>) {
    const values = size(alias);
    if (!worst || values > worst.values) worst = { alias, values };
  }
  const where = worst?.alias.range
    ? `${display}:${lines.linePos(worst.alias.range[0]).line}:${lines.linePos(worst.alias.range[0]).col}`
    : display;
  const what = worst
    ? `the alias *${worst.alias.source} here stands for ${worst.values.toLocaleString('en-US')} values, and aliases expand the file`
    : 'aliases expand the file';
  return (
    `${where}: ${what} past ${limit.toLocaleString('en-US')} values (an "alias bomb"); gwkit refuses this: ` +
    'write the values out, or use aliases of aliases sparingly (<<: *defaults per tenant is fine)'
  );
}

/** Every syntax problem of a file js-yaml refused, located and in plain words. */
function syntaxProblems(text: string, display: string, jsError: jsYaml.YAMLException): string[] {
  const { doc, lines } = parseWithPositions(text);
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return `${display}:${pos.line}:${pos.col}`;
  };
  const problems = doc.errors.map((e) => `${at(e.pos[0])}: ${plainYamlError(e)}`);
  // Where `yaml` accepts what js-yaml refused (an alias to no anchor, an unknown tag): js-yaml's view.
  if (!problems.length) {
    const where = jsError.mark ? `${display}:${jsError.mark.line + 1}:${jsError.mark.column + 1}` : display;
    problems.push(`${where}: ${plainJsYamlReason(jsError.reason)}`);
  }
  return [...new Set(problems)];
}

const ALIASES_PER_FILE =
  'anchors (&name) and aliases (*name) work within one file, an alias after its anchor; an include file cannot use the anchors of gwkit.yaml (put shared settings under defaults: instead)';

/** A sentence for each problem `yaml` reports that a person can cause; its own words, cleaned, otherwise. */
export function plainYamlError(error: Pick<YAMLError, 'code' | 'message'>): string {
  const message = error.message.split('\n')[0]!;
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (a "---" or "..." line after content); gwkit reads one per file: remove the separator, or move the tenants into a second file listed under include:';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'this line is not "setting: value": a setting name must be followed by a colon and a space on the same line (check for a missing ":", a missing space after it, or an unclosed quote above)';
    case 'DUPLICATE_KEY':
      return 'the same setting appears twice in one block; keep one (YAML does not let the second replace the first)';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
      return /Flow (sequence|map)/.test(message)
        ? `a ${message.includes('map') ? '{' : '['} opened above is not closed before this line: close it with ${message.includes('map') ? '}' : ']'} (and indent its continuation lines further than the setting it belongs to)`
        : 'the indentation does not match the lines above: settings of one block start at the same column (spaces only), list items under a setting are indented at least as far as the setting';
    case 'BLOCK_IN_FLOW':
      return 'inside [ ] or { } values are written inline (a, b or key: value, separated by commas); an indented "- item" or "key:" block cannot appear there (is a ] or } missing above?)';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'two "key:" on one line: a value cannot itself be "key: value" on the same line; put the inner setting on its own, more indented line, or quote the value';
    case 'MISSING_CHAR':
      if (/closing "/.test(message)) return 'a "double-quoted" value is not closed: add the closing "';
      if (/closing '/.test(message)) return "a 'single-quoted' value is not closed: add the closing '";
      if (/followed by map values/.test(message)) return 'a line here is neither "setting: value" nor a list item (missing ":"?)';
      if (/,/.test(message)) return 'a comma is missing between the items of a [ ] or { } list';
      return `something is not closed or separated here (${message.replace(/\.$/, '')}): check quotes, brackets and commas`;
    case 'BAD_DQ_ESCAPE':
      return `${message.replace(/^Invalid escape sequence/, 'the "double-quoted" value holds the unknown escape')}: write \\\\ for a backslash, or use 'single quotes', where a backslash is just a backslash`;
    case 'BAD_SCALAR_START':
      return `${message.replace(/^Plain value cannot start with reserved character/, 'a value cannot start with')} unless it is quoted: put the value in "double quotes"`;
    case 'UNEXPECTED_TOKEN':
      return 'this does not fit the structure above it: check the indentation, a stray character, and that a list ("- item") and settings ("key: value") are not mixed at one level';
    case 'KEY_OVER_1024_CHARS':
      return 'a setting name longer than 1024 characters: a ":" or a line break is probably missing';
    case 'BAD_ALIAS':
      return `${message}; ${ALIASES_PER_FILE}`;
    case 'ALIAS_PROPS':
      return 'an alias (*name) cannot carry its own anchor (&) or tag (!): write the alias alone';
    case 'MULTIPLE_ANCHORS':
      return 'one value has two anchors (&a &b): keep one';
    case 'MULTIPLE_TAGS':
      return 'one value has two tags (!a !b): keep one (gwkit.yaml needs no tags)';
    case 'BAD_PROP_ORDER':
      return 'an anchor (&name) or tag must come right before the value it names';
    case 'RESOURCE_EXHAUSTION':
      return `values are nested too deeply here; gwkit's settings nest a few levels (check for unclosed [ or {)`;
    case 'TAG_RESOLVE_FAILED':
      return 'gwkit.yaml has no use for this tag (!...): remove it and write the plain value';
    default:
      return `this is not valid YAML (${message.replace(/; use .*$|\.? ?please use .*$/i, '').replace(/YAML\.\w+\(\)/g, 'another reader')})`;
  }
}

/** js-yaml's reasons for what `yaml` accepts, in a person's words. */
function plainJsYamlReason(reason: string): string {
  const alias = /^unidentified alias "(.*)"$/.exec(reason);
  if (alias) return `the alias *${alias[1]} has no anchor &${alias[1]} before it; ${ALIASES_PER_FILE}`;
  if (/unknown tag/.test(reason)) return 'gwkit.yaml has no use for this tag (!...): remove it and write the plain value';
  if (/cannot merge mappings/.test(reason))
    return '"<<" (merge key) takes an alias of a map, as in <<: *defaults, or a list of them, as in <<: [*a, *b]';
  return `this is not valid YAML (${reason})`;
}
