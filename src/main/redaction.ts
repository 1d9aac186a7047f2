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

import { errors } from './errors.js';
import type { EventSpec } from './event-definition.js';
import { camelCase } from './event-definition.js';
import { unserializable } from './json-safe.js';
import { checkBoolean, checkKnownKeys, checkOptionsObject } from './options.js';

/** Patterns this package knows by name. */
export const REDACTION_PATTERNS = {
  email: { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, hint: '@' },
  'api-key': {
    pattern:
      /\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_]{16,}|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
    hint: null,
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
  /** Redacts the event options `values` (this package's own object) in place for `spec`. */
  apply(values: Record<string, unknown>, spec: EventSpec): void;
}

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
 * its redactions. Keys are embedded with JSON.stringify; only the paths' text is used.
 */
function generateLevel(node: TrieNode, functions: string[], remove: boolean): string {
  const name = `n${functions.length}`;
  functions.push('');
  const lines = [
    `function ${name}(o) {`,
    "  if (typeof o !== 'object' || o === null) return o;",
    '  let out = o;',
    '  const own = () => { if (out === o) out = Array.isArray(o) ? o.slice() : Object.assign({}, o); return out; };',
  ];
  const censor = (key: string) => (remove ? `delete own()[${key}];` : `own()[${key}] = CENSOR;`);
  for (const [key, child] of node.children) {
    const level = generateLevel(child, functions, remove);
    const visit = (k: string) =>
      `{ const c = o[${k}]; const r = ${level}(c); if (r !== c) own()[${k}] = r; }`;
    if (key === '*') lines.push(`  for (const k of Object.keys(o)) ${visit('k')}`);
    else lines.push(`  if (Object.hasOwn(o, ${JSON.stringify(key)})) ${visit(JSON.stringify(key))}`);
  }
  for (const key of node.leaves) {
    if (key === '*') lines.push(`  for (const k of Object.keys(o)) ${censor('k')}`);
    else lines.push(`  if (Object.hasOwn(o, ${JSON.stringify(key)})) ${censor(JSON.stringify(key))}`);
  }
  lines.push('  return out;', '}');
  functions[Number(name.slice(1))] = lines.join('\n');
  return name;
}

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
  return new Function('CENSOR', `${functions.join('\n')}\nreturn ${entry};`)(censor);
}

interface CompiledPattern {
  readonly pattern: RegExp;
  /** A literal every match contains: text without it is skipped without running the pattern. */
  readonly hint: string | null;
}

function compilePattern(entry: unknown): CompiledPattern {
  if (typeof entry === 'string' && Object.hasOwn(REDACTION_PATTERNS, entry)) {
    return REDACTION_PATTERNS[entry as RedactionPatternName];
  }
  if (entry instanceof RegExp) {
    // Every occurrence, whatever flags the caller gave; a new object, so its lastIndex is ours.
    return {
      pattern: new RegExp(entry.source, entry.flags.includes('g') ? entry.flags : `${entry.flags}g`),
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
  const patterns = patternList.map(compilePattern);
  const redactMetadata = compileMetadataPaths(metadataPaths, censor, remove);
  if (fieldProps.size === 0 && patterns.length === 0 && redactMetadata === null) return null;
  return new CompiledRedactor(fieldProps, patterns, redactMetadata, censor, remove);
}

/** Per event type: which text fields get patterns, which fields are censored whole. */
interface Plan {
  readonly content: readonly string[];
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

  apply(values: Record<string, unknown>, spec: EventSpec): void {
    const plan = this.#planFor(spec);
    if (this.patterns.length > 0) {
      for (const prop of plan.content) {
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
      if (hint !== null && !out.includes(hint)) continue;
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
