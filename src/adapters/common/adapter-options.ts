/**
 * What every framework adapter takes: where the events go (an `AuditEmitter`, or a bare
 * collector the adapter wraps in one), the context to stamp on them, whether prompts,
 * arguments and results are recorded, and where the adapter's own failures are reported.
 */
import { type AuditCollector, AuditEmitter, AuditOptionError, isAuditCollector } from 'calute-audit';

export interface AdapterOptions {
  /** The emitter the adapter's events go through (its previews, redaction and context apply). */
  emitter?: AuditEmitter;
  /** Or a collector (the offloaded sink, say): the adapter wraps it in an emitter. */
  collector?: AuditCollector;
  /** Stamped on every event; over the emitter's own when both are given. */
  sessionId?: string;
  /**
   * The agent id of every event. @default the agent the framework names (the Agents SDK's
   * agent, LangChain's agent or outermost run, the AI SDK's telemetry `functionId`), else
   * the emitter's
   */
  agentId?: string;
  /**
   * Record prompts, tool arguments, results and model input/output as previews. Off, those
   * fields stay empty (tool names, ids, tokens and timings are still recorded). @default true
   */
  captureContent?: boolean;
  /**
   * Receives every error raised while the adapter builds or emits an event (a collector
   * that throws, say), with the callback it happened in. The framework's run goes on either
   * way. Without it, each error becomes a process warning (code `CALUTE_AUDIT_ADAPTER`).
   */
  onError?: (error: unknown, callback: string) => void;
}

export interface ResolvedAdapterOptions {
  readonly emitter: AuditEmitter;
  readonly agentId: string | null;
  readonly captureContent: boolean;
  readonly onError: ((error: unknown, callback: string) => void) | null;
}

const KNOWN = ['emitter', 'collector', 'sessionId', 'agentId', 'captureContent', 'onError'];

function invalid(adapter: string, name: string, expected: string, got: unknown): AuditOptionError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : got === null ? 'null' : typeof got;
  return new AuditOptionError(
    'ERR_AUDIT_OPTION',
    `Invalid option "${name}" of ${adapter}: expected ${expected}, got ${shown}`,
  );
}

/**
 * Checks the common options (each error names the option and the adapter) and makes the
 * emitter. `extra` lists the adapter's own option names, checked by the adapter.
 */
export function resolveAdapterOptions(
  adapter: string,
  options: AdapterOptions,
  extra: readonly string[] = [],
): ResolvedAdapterOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(adapter, 'options', 'an options object with "emitter" or "collector"', options);
  }
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN.includes(key) && !extra.includes(key)) {
      throw new AuditOptionError(
        'ERR_AUDIT_OPTION',
        `Unknown option "${key}" of ${adapter}; its options are ${[...KNOWN, ...extra].join(', ')}`,
      );
    }
  }
  const { emitter, collector, sessionId, agentId, captureContent, onError } = options;
  if (emitter !== undefined && !(emitter instanceof AuditEmitter)) {
    throw invalid(adapter, 'emitter', 'an AuditEmitter', emitter);
  }
  if (collector !== undefined && !isAuditCollector(collector)) {
    throw invalid(adapter, 'collector', 'an object with emit() and flush() methods', collector);
  }
  if ((emitter === undefined) === (collector === undefined)) {
    throw invalid(adapter, 'emitter', 'exactly one of "emitter" and "collector"', emitter ?? collector);
  }
  for (const [name, value] of [
    ['sessionId', sessionId],
    ['agentId', agentId],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') throw invalid(adapter, name, 'a string', value);
  }
  if (captureContent !== undefined && typeof captureContent !== 'boolean') {
    throw invalid(adapter, 'captureContent', 'a boolean', captureContent);
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw invalid(adapter, 'onError', 'a function', onError);
  }
  const base = emitter ?? new AuditEmitter({ collector: collector! });
  return {
    emitter: sessionId === undefined ? base : base.child({ sessionId }),
    agentId: agentId ?? null,
    captureContent: captureContent ?? true,
    onError: onError ?? null,
  };
}
