/**
 * Records → spans, once, for the live collector and for the trail export alike. A record is
 * the parsed JSON line (`event.toDict()`); spans go through a `SpanOps` backend.
 *
 *   turn_start            opens `invoke_agent {agent}` for its turn_id (under the active
 *                         context live; a root span in an export)
 *   turn_end              sets xerxes.function_calls_count and ends that span
 *   tool_call_attempt     opens `execute_tool {tool}`, a child of the open turn span
 *   tool_call_complete,   end it (paired by tool_call_id, else first-in first-out per turn
 *   tool_call_failure     and tool name); a failure sets status ERROR and error.type. An
 *                         outcome without an attempt makes the span from its duration_ms.
 *   model_call            `{operation} {model}`, from timestamp − duration_ms to timestamp
 *   anything else         a span event on its open turn span, or a standalone span
 *
 * Every record but turn_start/turn_end also becomes the reference's span event
 * (`tool.attempt:<tool>`, ..., reference-names.ts) on its open turn span, so readers of
 * the reference's spans find what they expect; when its turn is not open, a record that has a
 * span of its own carries that event itself, and any other record becomes a standalone span
 * of that name, as in the reference.
 *
 * A span whose closing record never comes is ended by `endAll()` (flush, end of trail), and
 * tool spans still open at their turn's end end with it; both are marked `calute.audit.incomplete`.
 */
import type { AuditRecord } from 'calute-audit';
import { type Attributes, type ContentKeys, recordAttributes } from './attributes.js';
import { type HrTime, isBefore, minusMillis } from './record-time.js';
import { INCOMPLETE, REFERENCE, referenceEventName } from './reference-names.js';
import { GEN_AI, OPERATION, spanName } from './semconv.js';
import {
  modelCallAttributes,
  operationOf,
  providerOf,
  toolErrorType,
  toolOutcomeAttributes,
  toolSpanAttributes,
  turnEndAttributes,
  turnStartAttributes,
} from './span-attributes.js';
import { SPAN_KIND, type SpanOps } from './span-ops.js';
import { nameKey, type ToolCall, ToolCallsInFlight } from './tool-calls-in-flight.js';

export interface MapperOptions {
  /** The reference's `service.name` attribute on turn spans. */
  readonly serviceName: string;
  /** Attach content (previews, error messages) to spans and events. */
  readonly withContent: boolean;
  readonly contentKeys: ContentKeys;
}

interface Turn<S> {
  readonly span: S;
  /** Its tool calls in flight: ended with it. */
  readonly calls: Set<ToolCall<S>>;
  /** The provider of the turn's model calls: null once two differ. */
  provider: string | null | undefined;
  /** The latest record time seen in this turn (an export ends an unfinished turn there). */
  lastTime: HrTime | undefined;
}

const idOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

export class RecordSpanMapper<S> {
  readonly #ops: SpanOps<S>;
  readonly #options: MapperOptions;
  readonly #turns = new Map<string, Turn<S>>();
  readonly #calls = new ToolCallsInFlight<S>();

  constructor(ops: SpanOps<S>, options: MapperOptions) {
    this.#ops = ops;
    this.#options = options;
  }

  /** How many turn spans are open. */
  get openTurns(): number {
    return this.#turns.size;
  }

  /** Maps one record at `time` (its timestamp); `recordKey` identifies it in an export. */
  map(record: AuditRecord, time: HrTime | undefined, recordKey?: string): void {
    switch (record.event_type) {
      case 'turn_start':
        this.#turnStart(record, time, recordKey);
        break;
      case 'turn_end':
        this.#turnEnd(record, time, recordKey);
        break;
      case 'tool_call_attempt':
        this.#toolAttempt(record, time, recordKey);
        break;
      case 'tool_call_complete':
      case 'tool_call_failure':
        this.#toolOutcome(record, time, recordKey);
        break;
      case 'model_call':
        this.#modelCall(record, time, recordKey);
        break;
      default:
        this.#other(record, time, recordKey, referenceEventName(record));
        break;
    }
  }

  /**
   * Ends every open span, marked incomplete: now, or with `atLastRecord` each at the last
   * record time seen for it (an export must not invent times).
   */
  endAll(atLastRecord: boolean): void {
    for (const [turnId, turn] of this.#turns)
      this.#closeTurn(turnId, turn, atLastRecord ? turn.lastTime : undefined, true);
    for (const call of this.#calls.loose()) this.#endIncomplete(call, atLastRecord ? call.time : undefined);
  }

  #openTurn(record: AuditRecord, time: HrTime | undefined): Turn<S> | undefined {
    const turnId = idOf(record.turn_id);
    const turn = turnId === undefined ? undefined : this.#turns.get(turnId);
    if (
      turn !== undefined &&
      time !== undefined &&
      (turn.lastTime === undefined || isBefore(turn.lastTime, time))
    ) {
      turn.lastTime = time;
    }
    return turn;
  }

  #attributes(record: AuditRecord): Attributes {
    return recordAttributes(record, this.#options.contentKeys, this.#options.withContent);
  }

  #turnStart(record: AuditRecord, time: HrTime | undefined, recordKey: string | undefined): void {
    const turnId = idOf(record.turn_id);
    if (turnId === undefined) {
      this.#other(record, time, recordKey, REFERENCE.turnFallback);
      return;
    }
    const previous = this.#turns.get(turnId);
    if (previous !== undefined) this.#closeTurn(turnId, previous, time, true);
    const { serviceName, withContent } = this.#options;
    const span = this.#ops.start(
      {
        name: spanName(OPERATION.invokeAgent, idOf(record.agent_id)),
        kind: SPAN_KIND.internal,
        attributes: turnStartAttributes(record, serviceName, withContent),
        time,
        recordKey,
        traceKey: turnId,
      },
      undefined,
    );
    this.#turns.set(turnId, { span, calls: new Set(), provider: undefined, lastTime: time });
  }

  #turnEnd(record: AuditRecord, time: HrTime | undefined, recordKey: string | undefined): void {
    const turnId = idOf(record.turn_id);
    const turn = this.#openTurn(record, time);
    if (turnId === undefined || turn === undefined) {
      this.#other(record, time, recordKey, record.event_type);
      return;
    }
    const attributes = turnEndAttributes(record, this.#options.withContent);
    // The conventions want gen_ai.provider.name on invoke_agent; a turn learns it from its model calls.
    if (typeof turn.provider === 'string') attributes[GEN_AI.providerName] = turn.provider;
    this.#ops.set(turn.span, attributes);
    this.#closeTurn(turnId, turn, time, false);
  }

  #closeTurn(turnId: string, turn: Turn<S>, time: HrTime | undefined, incomplete: boolean): void {
    for (const call of [...turn.calls]) this.#endIncomplete(call, time);
    if (incomplete) this.#ops.set(turn.span, { [INCOMPLETE]: true });
    this.#ops.end(turn.span, time);
    this.#turns.delete(turnId);
  }

  #toolAttempt(record: AuditRecord, time: HrTime | undefined, recordKey: string | undefined): void {
    const turn = this.#openTurn(record, time);
    const span = this.#ops.start(
      {
        name: spanName(OPERATION.executeTool, String(record.tool_name ?? '')),
        kind: SPAN_KIND.internal,
        attributes: toolSpanAttributes(record, this.#options.withContent),
        time,
        recordKey,
        traceKey: idOf(record.turn_id) ?? recordKey,
      },
      turn?.span,
    );
    this.#ops.event(turn?.span ?? span, referenceEventName(record), this.#attributes(record), time);
    const byId = idOf(record.tool_call_id);
    const pushedOut = this.#calls.add({
      span,
      time,
      byId,
      byName: byId === undefined ? toolNameKey(record) : undefined,
      turnCalls: turn?.calls,
    });
    for (const call of pushedOut) this.#endIncomplete(call, time);
  }

  #toolOutcome(record: AuditRecord, time: HrTime | undefined, recordKey: string | undefined): void {
    const turn = this.#openTurn(record, time);
    const withContent = this.#options.withContent;
    const call = this.#calls.take(idOf(record.tool_call_id), toolNameKey(record));
    const span =
      call?.span ??
      this.#ops.start(
        {
          name: spanName(OPERATION.executeTool, String(record.tool_name ?? '')),
          kind: SPAN_KIND.internal,
          attributes: toolSpanAttributes(record, withContent),
          time: time === undefined ? undefined : minusMillis(time, record.duration_ms),
          recordKey,
          traceKey: idOf(record.turn_id) ?? recordKey,
        },
        turn?.span,
      );
    this.#ops.event(turn?.span ?? span, referenceEventName(record), this.#attributes(record), time);
    this.#ops.set(span, toolOutcomeAttributes(record, withContent));
    if (record.event_type === 'tool_call_failure') this.#ops.fail(span, toolErrorType(record));
    this.#ops.end(span, time);
  }

  #endIncomplete(call: ToolCall<S>, time: HrTime | undefined): void {
    this.#calls.remove(call);
    this.#ops.set(call.span, { [INCOMPLETE]: true });
    this.#ops.end(call.span, time);
  }

  #modelCall(record: AuditRecord, time: HrTime | undefined, recordKey: string | undefined): void {
    const turn = this.#openTurn(record, time);
    const span = this.#ops.start(
      {
        name: spanName(operationOf(record), idOf(record.model)),
        kind: SPAN_KIND.client,
        attributes: modelCallAttributes(record, this.#options.withContent),
        time: time === undefined ? undefined : minusMillis(time, record.duration_ms),
        recordKey,
        traceKey: idOf(record.turn_id) ?? recordKey,
      },
      turn?.span,
    );
    this.#ops.event(turn?.span ?? span, referenceEventName(record), this.#attributes(record), time);
    this.#ops.end(span, time);
    if (turn !== undefined) {
      const provider = providerOf(record);
      if (provider !== undefined && turn.provider !== null) {
        turn.provider = turn.provider === undefined || turn.provider === provider ? provider : null;
      }
    }
  }

  #other(record: AuditRecord, time: HrTime | undefined, recordKey: string | undefined, name: string): void {
    const attributes = this.#attributes(record);
    const turn = this.#openTurn(record, time);
    if (turn !== undefined) {
      this.#ops.event(turn.span, name, attributes, time);
      return;
    }
    const span = this.#ops.start(
      {
        name,
        kind: SPAN_KIND.internal,
        attributes,
        time,
        recordKey,
        traceKey: idOf(record.turn_id) ?? recordKey,
      },
      undefined,
    );
    this.#ops.end(span, time);
  }
}

const toolNameKey = (record: AuditRecord): string =>
  nameKey(idOf(record.turn_id), String(record.tool_name ?? ''));
