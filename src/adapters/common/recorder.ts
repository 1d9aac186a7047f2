/**
 * What each adapter records through: the emitter's `emit*` methods, with the adapter's
 * content setting applied and every failure reported instead of thrown into the
 * framework's run.
 */
import {
  type AuditEmitter,
  BUILTIN_EVENTS,
  type BuiltinEventType,
  type EmitterMethods,
  EVENT_CLASSES,
  type FieldSpec,
  ModelCallEvent,
} from 'calute-audit';
import { type AdapterOptions, resolveAdapterOptions } from './adapter-options.js';
import { type ErrorSink, guarded, reportAdapterError } from './report-errors.js';

type MethodName = keyof EmitterMethods;
type ArgsOf<M extends MethodName> = NonNullable<Parameters<EmitterMethods[M]>[0]>;

/** For each emitter method, the names of its arguments whose fields pass `test` (from the event table). */
function argsByMethod(test: (field: FieldSpec) => boolean): Map<string, readonly string[]> {
  return new Map(
    (Object.keys(BUILTIN_EVENTS) as BuiltinEventType[]).flatMap((type) => {
      const method = (BUILTIN_EVENTS[type] as { emitter?: { method: string } }).emitter?.method;
      if (method === undefined) return [];
      return [[method, EVENT_CLASSES[type].fields.filter(test).map((field) => field.arg)] as const];
    }),
  );
}

/** The arguments that carry content (prompts, arguments, results, error texts). */
const CONTENT_ARGS = argsByMethod((field) => field.content);

/**
 * The preview arguments. The emitter takes a null there as "not given" (the reference's
 * rule); from a framework, null is a value (a tool that returned null), so the adapters
 * pass it as its JSON text.
 */
const PREVIEW_ARGS = argsByMethod((field) => field.preview);

/** `emitModelCall`'s argument names, each with its field of the model-call event. */
const MODEL_CALL_FIELDS = new Map(ModelCallEvent.fields.map((field) => [field.arg, field]));
const CONTEXT_ARGS = new Set(['agentId', 'turnId', 'metadata']);

export class AdapterRecorder {
  readonly emitter: AuditEmitter;
  /** The `agentId` option: over the framework's agent names when given. */
  readonly agentId: string | null;
  readonly captureContent: boolean;
  readonly #adapter: string;
  readonly #onError: ErrorSink;

  constructor(adapter: string, options: AdapterOptions, extraOptions: readonly string[] = []) {
    const resolved = resolveAdapterOptions(adapter, options, extraOptions);
    this.#adapter = adapter;
    this.emitter = resolved.emitter;
    this.agentId = resolved.agentId;
    this.captureContent = resolved.captureContent;
    this.#onError = resolved.onError;
  }

  /** Reports a problem of `callback` the way a failure is (onError, else a process warning). */
  report(callback: string, error: unknown): void {
    reportAdapterError(this.#adapter, this.#onError, callback, error);
  }

  /** Runs a framework callback's body; whatever it throws is reported, never rethrown. */
  guard(callback: string, body: () => void): void {
    guarded(this.#adapter, this.#onError, callback, body);
  }

  /**
   * Calls `emitter[method](args)` (the adapter's emitter unless another is given), without
   * the content arguments when capture is off.
   */
  emit<M extends MethodName>(
    method: M,
    args: ArgsOf<M>,
    emitter: AuditEmitter = this.emitter,
  ): ReturnType<EmitterMethods[M]> {
    const given = { ...(args as Record<string, unknown>) };
    // An adapter passes null where the framework names no agent or turn: the emitter's
    // own (bound) ones apply then.
    if (given.agentId === null) delete given.agentId;
    if (given.turnId === null) delete given.turnId;
    for (const name of PREVIEW_ARGS.get(method) ?? []) if (given[name] === null) given[name] = 'null';
    if (!this.captureContent) for (const name of CONTENT_ARGS.get(method) ?? []) delete given[name];
    const call = this.emitter[method] as (
      this: AuditEmitter,
      options: unknown,
    ) => ReturnType<EmitterMethods[M]>;
    return call.call(emitter, given);
  }

  /**
   * Emits a model call that ended at `endedAt` (a timestamp taken then), for frameworks that
   * report a call's usage only later: its record keeps `timestamp - duration_ms` = its start.
   * `args` are `emitModelCall`'s.
   */
  emitModelCallEndedAt(endedAt: string, args: ArgsOf<'emitModelCall'>): void {
    // The emit* methods stamp the current time, so this builds the event under its own
    // option names (the table's properties), which `emit(EventClass, options)` previews and
    // redacts as the method would.
    const options: Record<string, unknown> = { timestamp: endedAt };
    for (const [name, given] of Object.entries(args)) {
      if (given === undefined) continue;
      const value = given === null && MODEL_CALL_FIELDS.get(name)?.preview ? 'null' : given;
      if (CONTEXT_ARGS.has(name)) {
        options[name] = value;
        continue;
      }
      const field = MODEL_CALL_FIELDS.get(name);
      if (field === undefined) throw new TypeError(`emitModelCall has no option "${name}"`);
      if ((field.content && !this.captureContent) || (value === null && !field.nullable)) continue;
      options[field.prop] = value;
    }
    this.emitter.emit(ModelCallEvent, options as never);
  }
}
