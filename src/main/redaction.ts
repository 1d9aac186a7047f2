/**
 * Redaction, applied by the emitter to an event's values before the event exists, so that
 * no collector (file, memory, OpenTelemetry) ever sees what it removed. Modelled on pino's
 * `redact`: `paths` name what to censor, `censor` is what replaces it, `remove` drops a
 * metadata key instead. Beyond pino: `patterns` replace matches inside the free text an
 * agent saw or produced (previews, error messages), e.g. emails, API keys, bearer tokens.
 *
 * Compiled once: the paths become one generated function per metadata level (a trie, so a
 * level is visited once whatever the number of paths), and patterns are RegExp objects with
 * a cheap literal pre-check where one exists. Nothing is interpreted per event. The caller's
 * objects are never changed: a level that holds something to redact is copied, the rest is
 * shared. Off by default, and then free: the emitter holds no redactor.
 */

import { closestName } from './did-you-mean.js';
import { errors } from './errors.js';
import { DECLARED_SPECS } from './event-declaration.js';
import type { EventSpec } from './event-definition.js';
import { camelCase } from './event-definition.js';
import { stringifySafe, unserializable } from './json-safe.js';
import { checkBoolean, checkKnownKeys, checkOptionsObject } from './options.js';

/** Patterns this package knows by name. */
export const REDACTION_PATTERNS = {
  email: { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, hint: '@' },
  'api-key': {
    pattern:
      /\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
    hint: /sk-|pk-|rk-|AKIA|gh[pousr]_|xox/,
  },
  bearer: { pattern: /\b[Bb]earer\s+[A-Za-z0-9._~+/-]+=*/g, hint: 'earer' },
  jwt: { pattern: /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, hint: 'eyJ' },
} as const;

export type RedactionPatternName = keyof typeof REDACTION_PATTERNS;

export interface RedactOptions {
  /**
   * What to censor, by record key as on disk (`prompt_preview`, `arguments_preview`, the
   * camelCase name works too) or by path into metadata with `*` for any key of a level:
   * `metadata.user.email`, `metadata.*.password`, `metadata.headers["x-api-key"]`.
   */
  paths?: readonly string[];
  /** Replaced inside free text (previews, error messages): a RegExp, or a name from REDACTION_PATTERNS. */
  patterns?: readonly (RegExp | RedactionPatternName)[];
  /** What replaces a censored value or match. @default "[REDACTED]" */
  censor?: string;
  /** Drop censored metadata keys instead of censoring them (record fields keep their key, emptied). @default false */
  remove?: boolean;
}

export interface Redactor {
  /**
   * Redacts the event options `values` (this package's own object) in place for `spec`.
   * `previewsDone`: the preview fields already went through `beforePreview`.
   */
  apply(values: Record<string, unknown>, spec: EventSpec, previewsDone?: boolean): void;
  /**
   * Patterns on a value about to be cut to a preview of `length` code points: the text is
   * searched before the cut, so a secret the cut would split is still found whole.
   */
  beforePreview(value: unknown, length: number): unknown;
}

/**
 * How much text past a preview's cut the patterns see: a secret that starts before the cut
 * and is at most this long is censored whole (API keys and JWTs are well under it).
 */
const PATTERN_MARGIN = 4096;

const DEFAULT_CENSOR = '[REDACTED]';
const SEGMENT = /^(?:[A-Za-z_$][\w$]*|\*|\["(?:[^"\\]|\\.)*"\]|\['(?:[^'\\]|\\.)*'\])/;

/** `metadata.headers["x-api-key"]` → ['metadata', 'headers', 'x-api-key']. */
function parsePath(path: string): string[] {
  if (typeof path !== 'string' || path.length === 0)
    throw errors.option('redact.paths', 'non-empty strings', path);
  const segments: string[] = [];
  let rest = path;
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (match === null)
      throw errors.option('redact.paths', 'paths like metadata.user.email or metadata["a-b"].*', path);
    const text = match[0];
    segments.push(text.startsWith('[') ? JSON.parse(`"${text.slice(2, -2).replace(/\\'/g, "'")}"`) : text);
    rest = rest.slice(text.length);
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      if (rest.length === 0) throw errors.option('redact.paths', 'a path that does not end with a dot', path);
    } else if (rest.length > 0 && !rest.startsWith('[')) {
      throw errors.option('redact.paths', 'paths like metadata.user.email or metadata["a-b"].*', path);
    }
  }
  return segments;
}

interface TrieNode {
  /** Keys (or "*") whose value is censored here. */
  leaves: Set<string>;
  /** Keys (or "*") to descend into. */
  children: Map<string, TrieNode>;
}

const newNode = (): TrieNode => ({ leaves: new Set(), children: new Map() });

/**
 * The generated source of one trie level: `function n<id>(o)` returns `o`, or a copy with
 * its redactions. Keys are embedded with JSON.stringify; only the paths' text is used. A
 * level is a plain object, an array or a Map (whose string keys the path names); each
 * child reads the level as the paths before it left it, so overlapping paths
 * (`metadata.user.email` and `metadata.*.password`) all apply.
 */
function generateLevel(node: TrieNode, functions: string[], remove: boolean): string {
  const name = `n${functions.length}`;
  functions.push('');
  const lines = [
    `function ${name}(o) {`,
    "  if (typeof o !== 'object' || o === null) return o;",
    '  let out = o;',
    '  const own = () => { if (out === o) out = COPY(o); return out; };',
  ];
  const censor = (key: string) => (remove ? `DEL(own(), ${key});` : `SET(own(), ${key}, CENSOR);`);
  for (const [key, child] of node.children) {
    const level = generateLevel(child, functions, remove);
    const visit = (k: string) =>
      `{ const c = GET(out, ${k}); const r = ${level}(c); if (r !== c) SET(own(), ${k}, r); }`;
    if (key === '*') lines.push(`  for (const k of KEYS(o)) ${visit('k')}`);
    else lines.push(`  if (HAS(o, ${JSON.stringify(key)})) ${visit(JSON.stringify(key))}`);
  }
  for (const key of node.leaves) {
    if (key === '*') lines.push(`  for (const k of KEYS(o)) ${censor('k')}`);
    else lines.push(`  if (HAS(o, ${JSON.stringify(key)})) ${censor(JSON.stringify(key))}`);
  }
  lines.push('  return out;', '}');
  functions[Number(name.slice(1))] = lines.join('\n');
  return name;
}

/** What the generated levels use to read and copy a level, whatever it is. */
const LEVEL_ACCESS = {
  KEYS: (o: object): unknown[] => (o instanceof Map ? [...o.keys()] : Object.keys(o)),
  HAS: (o: object, key: string): boolean => (o instanceof Map ? o.has(key) : Object.hasOwn(o, key)),
  GET: (o: object, key: unknown): unknown =>
    o instanceof Map ? o.get(key) : (o as Record<string, unknown>)[key as string],
  // Spread, not Object.assign: an own "__proto__" key is copied as a key, not set as the prototype.
  COPY: (o: object): object => (o instanceof Map ? new Map(o) : Array.isArray(o) ? o.slice() : { ...o }),
  SET: (o: object, key: unknown, value: unknown): void => {
    if (o instanceof Map) o.set(key, value);
    // Assignment would set the prototype for "__proto__"; defineProperty (slower) keeps it a key.
    else if (key === '__proto__')
      Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
    else (o as Record<string, unknown>)[key as string] = value;
  },
  DEL: (o: object, key: unknown): void => {
    if (o instanceof Map) o.delete(key);
    else delete (o as Record<string, unknown>)[key as string];
  },
};

function compileMetadataPaths(
  paths: readonly string[][],
  censor: string,
  remove: boolean,
): ((metadata: unknown) => unknown) | null {
  if (paths.length === 0) return null;
  const root = newNode();
  for (const segments of paths) {
    let node = root;
    segments.slice(1, -1).forEach((segment) => {
      let child = node.children.get(segment);
      if (!child) {
        child = newNode();
        node.children.set(segment, child);
      }
      node = child;
    });
    node.leaves.add(segments[segments.length - 1]);
  }
  const functions: string[] = [];
  const entry = generateLevel(root, functions, remove);
  const { KEYS, HAS, GET, COPY, SET, DEL } = LEVEL_ACCESS;
  return new Function(
    'CENSOR',
    'KEYS',
    'HAS',
    'GET',
    'COPY',
    'SET',
    'DEL',
    `${functions.join('\n')}\nreturn ${entry};`,
  )(censor, KEYS, HAS, GET, COPY, SET, DEL);
}

interface CompiledPattern {
  readonly pattern: RegExp;
  /**
   * What every match contains: a literal, or a cheap expression of the literals one of which
   * it contains. Text without it is skipped without running the pattern itself (a literal
   * search costs far less than the pattern's scan). Null: always run.
   */
  readonly hint: string | RegExp | null;
}

function compilePattern(entry: unknown): CompiledPattern {
  if (typeof entry === 'string' && Object.hasOwn(REDACTION_PATTERNS, entry)) {
    return REDACTION_PATTERNS[entry as RedactionPatternName];
  }
  if (entry instanceof RegExp) {
    // Every occurrence, whatever flags the caller gave (a sticky `y` would only match at the
    // start); a new object, so its lastIndex is ours.
    const flags = entry.flags.replace('y', '');
    return {
      pattern: new RegExp(entry.source, flags.includes('g') ? flags : `${flags}g`),
      hint: null,
    };
  }
  throw errors.option(
    'redact.patterns',
    `RegExps or ${Object.keys(REDACTION_PATTERNS)
      .map((n) => `"${n}"`)
      .join(', ')}`,
    entry,
  );
}

/** Builds the redactor, or null when nothing is to be redacted (the emitter then skips it). */
export function compileRedactor(options: unknown): Redactor | null {
  if (options === undefined) return null;
  const raw = checkOptionsObject('redact', options);
  checkKnownKeys('redact', raw, ['paths', 'patterns', 'censor', 'remove']);
  const censor = raw.censor ?? DEFAULT_CENSOR;
  if (typeof censor !== 'string') throw errors.option('redact.censor', 'a string', censor);
  const remove = checkBoolean('redact.remove', raw.remove ?? false);
  const pathList = raw.paths ?? [];
  const patternList = raw.patterns ?? [];
  if (!Array.isArray(pathList)) throw errors.option('redact.paths', 'an array of strings', pathList);
  if (!Array.isArray(patternList)) throw errors.option('redact.patterns', 'an array', patternList);
  const parsed = pathList.map(parsePath);
  const metadataPaths = parsed.filter((segments) => segments[0] === 'metadata');
  for (const segments of metadataPaths) {
    if (segments.length < 2)
      throw errors.option('redact.paths', 'a path into metadata (metadata.<key>)', 'metadata');
  }
  const fieldPaths = parsed.filter((segments) => segments[0] !== 'metadata');
  for (const segments of fieldPaths) {
    if (segments.length !== 1 || segments[0] === '*') {
      throw errors.option(
        'redact.paths',
        'a record key (prompt_preview) or a metadata path',
        segments.join('.'),
      );
    }
  }
  const fieldProps = new Set(fieldPaths.map(([key]) => camelCase(key)));
  checkFieldPaths(fieldPaths.map(([key]) => key));
  const patterns = patternList.map(compilePattern);
  const redactMetadata = compileMetadataPaths(metadataPaths, censor, remove);
  if (fieldProps.size === 0 && patterns.length === 0 && redactMetadata === null) return null;
  return new CompiledRedactor(fieldProps, patterns, redactMetadata, censor, remove);
}

/**
 * A record key path must name a text field some event type declared so far has (or one of
 * the ids): a misspelled key would otherwise redact nothing, silently.
 */
function checkFieldPaths(keys: readonly string[]): void {
  const known = new Map<string, string>(
    ['agent_id', 'turn_id', 'session_id'].map((key) => [camelCase(key), key]),
  );
  for (const spec of DECLARED_SPECS) {
    for (const field of spec.fields) if (field.kind === 'string') known.set(field.prop, field.key);
  }
  for (const key of keys) {
    if (known.has(camelCase(key))) continue;
    const close = closestName(key, [...known.values()]);
    throw errors.option(
      'redact.paths',
      `a text field of an event type (${close === undefined ? 'prompt_preview, arguments_preview, ...' : `did you mean "${close}"?`}; a type defined with defineEvent is known once defined) or a metadata path`,
      key,
    );
  }
}

/** Per event type: which text fields get patterns, which fields are censored whole. */
interface Plan {
  readonly content: readonly string[];
  readonly contentNotPreview: readonly string[];
  readonly censored: readonly { prop: string; optional: boolean }[];
}

class CompiledRedactor implements Redactor {
  readonly #plans = new WeakMap<EventSpec, Plan>();

  constructor(
    readonly fieldProps: ReadonlySet<string>,
    readonly patterns: readonly CompiledPattern[],
    readonly redactMetadata: ((metadata: unknown) => unknown) | null,
    readonly censor: string,
    readonly remove: boolean,
  ) {}

  beforePreview(value: unknown, length: number): unknown {
    if (this.patterns.length === 0) return value;
    // The same text `preview()` would cut from (see preview.ts), then only as much as it can show.
    const text = typeof value === 'string' ? value : stringifySafe(value, Math.max(1024, length * 4));
    const searched = 2 * length + PATTERN_MARGIN;
    return this.#replacePatterns(text.length > searched ? text.slice(0, searched) : text);
  }

  apply(values: Record<string, unknown>, spec: EventSpec, previewsDone = false): void {
    const plan = this.#planFor(spec);
    if (this.patterns.length > 0) {
      for (const prop of previewsDone ? plan.contentNotPreview : plan.content) {
        const text = values[prop];
        if (typeof text === 'string' && text.length > 0) values[prop] = this.#replacePatterns(text);
      }
    }
    for (const { prop, optional } of plan.censored) {
      if (values[prop] === undefined || values[prop] === null || values[prop] === '') continue;
      values[prop] = this.remove ? (optional ? undefined : '') : this.censor;
    }
    if (this.redactMetadata !== null && values.metadata !== undefined) {
      try {
        values.metadata = this.redactMetadata(values.metadata);
      } catch (error) {
        // What could not be read cannot be shown to be clean: keep none of it.
        values.metadata = { redaction_failed: unserializable(error) };
      }
    }
  }

  #replacePatterns(text: string): string {
    let out = text;
    for (const { pattern, hint } of this.patterns) {
      if (hint !== null && !(typeof hint === 'string' ? out.includes(hint) : hint.test(out))) continue;
      pattern.lastIndex = 0;
      out = out.replace(pattern, this.censor);
    }
    return out;
  }

  #planFor(spec: EventSpec): Plan {
    let plan = this.#plans.get(spec);
    if (plan === undefined) {
      const strings = spec.fields.filter((field) => field.kind === 'string');
      plan = {
        content: strings.filter((field) => field.content).map((field) => field.prop),
        contentNotPreview: strings
          .filter((field) => field.content && !field.preview)
          .map((field) => field.prop),
        censored: [
          ...['agentId', 'turnId', 'sessionId']
            .filter((prop) => this.fieldProps.has(prop))
            .map((prop) => ({ prop, optional: true })),
          ...strings
            .filter((field) => this.fieldProps.has(field.prop))
            .map((field) => ({ prop: field.prop, optional: field.optional })),
        ],
      };
      this.#plans.set(spec, plan);
    }
    return plan;
  }
}
