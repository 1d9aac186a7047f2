/**
 * The Vercel AI SDK adapter: a telemetry integration (AI SDK 6), the SDK's own hook for
 * lifecycle events. It sees the whole run of `generateText`/`streamText` (start, each
 * step's model call with usage, each tool execution with its call id, duration and error,
 * the finish) without touching the model or the tools, and it works with telemetry
 * (OpenTelemetry spans) on or off. Register it once for every call,
 * `registerTelemetryIntegration(auditTelemetry({ collector }))`, or per call through
 * `experimental_telemetry: { integrations: auditTelemetry({ collector }) }`.
 *
 * Records of one `generateText` call (a two-step run with two tools):
 *   turn_start, tool_call_attempt ×2, tool_call_complete/failure ×2 (as the tools finish),
 *   model_call (step 0), model_call (step 1), turn_end
 * The SDK reports a step's usage only when the step ends, after its tools ran; the step's
 * model_call is therefore written then, after its tools' records, with the timestamp of the
 * moment the model answered (when the first tool started, or the step ended), so that
 * `timestamp - duration_ms` is when the call began. Tool attempts are written before the
 * tool runs, never held back. (With `streamText` a tool can start while the model still
 * streams the rest of its answer; the measured call then ends at that tool's start.)
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  OnFinishEvent,
  OnStartEvent,
  OnStepFinishEvent,
  OnStepStartEvent,
  OnToolCallFinishEvent,
  OnToolCallStartEvent,
  TelemetryIntegration,
} from 'ai';
import { newTurnId, nowTimestamp } from 'calute-audit';
import type { AdapterOptions } from '../common/adapter-options.js';
import { errorFields } from '../common/error-fields.js';
import { AdapterRecorder } from '../common/recorder.js';

const ADAPTER = 'calute-audit/ai-sdk';

/**
 * Calls followed at once, at most: far above the calls one process overlaps (each holds a
 * model request open), low enough that calls never finished hold little memory.
 */
const MAX_OPEN_CALLS = 1024;

export type AiSdkAuditOptions = AdapterOptions;

/** One `generateText`/`streamText` call seen through the integration. */
interface RunState {
  readonly turnId: string;
  readonly agentId: string | null;
  toolCalls: number;
  /** The open step: when it started, its input, and when its model answered. */
  stepStartedAt: number;
  stepInput: unknown;
  modelEndedAt: number | null;
  modelEndedStamp: string | null;
  /** The step started and not yet finished (its number), or null. */
  pendingStep: number | null;
  /** The ids of its tool calls: the finish of a streamed step or call is found by them. */
  readonly toolCallIds: string[];
}

/** The newest input of a step: the prompt, or the tool results the model is answering. */
function lastMessageContent(messages: readonly { content: unknown }[] | undefined): unknown {
  return messages === undefined || messages.length === 0 ? undefined : messages[messages.length - 1].content;
}

/**
 * What a step's model produced, for the model call's output preview: the tool calls it
 * asked for (its decision, whatever text comes with them), else its text.
 */
function stepOutput(step: OnStepFinishEvent): unknown {
  if (step.toolCalls.length > 0) {
    return step.toolCalls.map((call) => ({ toolName: call.toolName, input: call.input }));
  }
  return step.text;
}

/** The integration, and what it cannot learn from the SDK. */
export interface AiSdkAuditIntegration extends TelemetryIntegration {
  /**
   * Records that the current call failed (the SDK tells integrations nothing when a call
   * throws): an `error` record in the call's turn, which ends it. Call it where the
   * `generateText`/`streamText` call's error is caught. Never throws.
   */
  recordError(error: unknown): void;
}

/**
 * A telemetry integration that records each run as a turn, also when calls overlap (one
 * integration registered for every call on a server).
 *
 * The SDK's hook events carry no id of their call, so the call is known by where a hook
 * runs: each call invokes its hooks from its own asynchronous flow, and `onStart` puts the
 * call's state into that flow (AsyncLocalStorage), where the call's later hooks find it.
 * A hook that finds none (called from elsewhere) falls back to the call started last.
 *
 * The storage is turned off whenever no call is open: on Node 20 and 22 an AsyncLocalStorage
 * in use makes every promise of the process pay for async hooks, which the rest of the
 * application should not pay between calls. (Putting only overlapping calls into their flow
 * was tried: on Node 20, a storage turned on while a call runs hands the newer call's state
 * to the older call's later hooks.)
 */
export function auditTelemetry(options: AiSdkAuditOptions): AiSdkAuditIntegration {
  const recorder = new AdapterRecorder(ADAPTER, options);
  const calls = new AsyncLocalStorage<RunState>();
  /** Calls started and not yet finished, in start order. */
  const open = new Set<RunState>();
  /** Tool call id → its call, until the call ends: a streamed call's finishes are found by them. */
  const toolTurns = new Map<string, RunState>();
  /** The call a hook belongs to: its own flow's, else the one started last. */
  const current = (): RunState | null => {
    const state = calls.getStore();
    if (state !== undefined) return open.has(state) ? state : null;
    let last: RunState | null = null;
    for (const state of open) last = state;
    return last;
  };
  /** A call that ended: no hook of it comes again. */
  const forget = (state: RunState) => {
    open.delete(state);
    for (const id of state.toolCallIds) if (toolTurns.get(id) === state) toolTurns.delete(id);
    // No call needs its flow any more: the async hooks go off until the next call starts.
    if (open.size === 0) calls.disable();
  };
  let overlapReported = false;
  /**
   * The call a finish belongs to when it is not known from the hook's flow (streamText
   * reports step and call finishes from its stream, outside the call's flow): by the tool
   * call ids it carries, else the one open call that can be finishing. Overlapping calls
   * with nothing to tell them apart are reported once, and filed under the call started first.
   */
  const finishingCall = (
    hook: string,
    toolCalls: readonly { toolCallId: string }[],
    canFinish: (call: RunState) => boolean,
  ): RunState | null => {
    for (const { toolCallId } of toolCalls) {
      const state = toolTurns.get(toolCallId);
      if (state !== undefined && open.has(state)) return state;
    }
    const candidates = [...open].filter(canFinish);
    if (candidates.length <= 1) return candidates[0] ?? current();
    if (!overlapReported) {
      overlapReported = true;
      recorder.report(
        hook,
        new Error(
          'streamText calls overlapped under one integration, and this finish carries nothing that tells which call it ends: ' +
            'it is filed under the call started first. Give each streamText call its own integration ' +
            '(experimental_telemetry: { integrations: auditTelemetry(...) })',
        ),
      );
    }
    return candidates[0];
  };
  /** The call whose flow a hook runs in, if it is known there. */
  const own = (): RunState | undefined => {
    const state = calls.getStore();
    return state !== undefined && open.has(state) ? state : undefined;
  };

  /** The model answered: the first tool started, or the step ended with no tool to run. */
  const markModelEnd = (state: RunState) => {
    if (state.modelEndedAt !== null) return;
    state.modelEndedAt = performance.now();
    state.modelEndedStamp = nowTimestamp();
  };

  return {
    onStart(event: OnStartEvent) {
      recorder.guard('onStart', () => {
        const agentId = recorder.agentId ?? event.functionId ?? null;
        const prompt = event.prompt ?? lastMessageContent(event.messages);
        // The run is followed even if this record fails: its later records may still go through.
        const turnId = newTurnId();
        const run: RunState = {
          turnId,
          agentId,
          toolCalls: 0,
          stepStartedAt: performance.now(),
          stepInput: undefined,
          modelEndedAt: null,
          modelEndedStamp: null,
          pendingStep: null,
          toolCallIds: [],
        };
        open.add(run);
        // A call that threw without recordError never finishes: forget the oldest beyond
        // MAX_OPEN_CALLS, so that such calls cannot grow the set without bound.
        if (open.size > MAX_OPEN_CALLS) forget(open.values().next().value as RunState);
        // The rest of this call's flow (its steps, tools and finish) carries its state.
        calls.enterWith(run);
        recorder.emit('emitTurnStart', { agentId, turnId, prompt });
      });
    },
    onStepStart(event: OnStepStartEvent) {
      recorder.guard('onStepStart', () => {
        const run = current();
        if (run === null) return;
        run.stepStartedAt = performance.now();
        run.stepInput = lastMessageContent(event.messages);
        run.modelEndedAt = null;
        run.modelEndedStamp = null;
        run.pendingStep = event.stepNumber;
      });
    },
    onToolCallStart(event: OnToolCallStartEvent) {
      recorder.guard('onToolCallStart', () => {
        const state = current();
        if (state === null) return;
        markModelEnd(state);
        const { toolCallId, toolName, input } = event.toolCall;
        toolTurns.set(toolCallId, state);
        state.toolCallIds.push(toolCallId);
        state.toolCalls++;
        recorder.emit('emitToolCallAttempt', {
          agentId: state.agentId,
          turnId: state.turnId,
          toolName,
          args: input,
          toolCallId,
        });
      });
    },
    onToolCallFinish(event: OnToolCallFinishEvent) {
      recorder.guard('onToolCallFinish', () => {
        const { toolCallId, toolName } = event.toolCall;
        const state = own() ?? toolTurns.get(toolCallId) ?? current();
        const context = { agentId: state?.agentId ?? recorder.agentId, turnId: state?.turnId ?? null };
        if (event.success) {
          recorder.emit('emitToolCallComplete', {
            ...context,
            toolName,
            durationMs: event.durationMs,
            result: event.output,
            toolCallId,
          });
        } else {
          recorder.emit('emitToolCallFailure', {
            ...context,
            toolName,
            ...errorFields(event.error),
            toolCallId,
            durationMs: event.durationMs,
          });
        }
      });
    },
    onStepFinish(step: OnStepFinishEvent) {
      recorder.guard('onStepFinish', () => {
        const state =
          own() ??
          finishingCall('onStepFinish', step.toolCalls, (call) => call.pendingStep === step.stepNumber);
        if (state === null) return;
        state.pendingStep = null;
        markModelEnd(state);
        const { usage } = step;
        recorder.emitModelCallEndedAt(state.modelEndedStamp!, {
          agentId: state.agentId,
          turnId: state.turnId,
          provider: step.model.provider,
          model: step.model.modelId,
          inputTokens: usage.inputTokens ?? null,
          outputTokens: usage.outputTokens ?? null,
          durationMs: state.modelEndedAt! - state.stepStartedAt,
          finishReason: step.finishReason,
          responseModel: step.response.modelId,
          responseId: step.response.id,
          cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens,
          reasoningTokens: usage.outputTokenDetails?.reasoningTokens,
          toolCallCount: step.toolCalls.length,
          input: state.stepInput,
          output: stepOutput(step),
        });
      });
    },
    recordError(error: unknown) {
      recorder.guard('recordError', () => {
        // Called where the call's error is caught, outside its flow: the failed call is the
        // one open call; with several open, which one failed is unknown, and none is ended.
        const state = own() ?? (open.size === 1 ? [...open][0] : undefined);
        if (state !== undefined) forget(state);
        const context = { agentId: state?.agentId ?? recorder.agentId, turnId: state?.turnId ?? null };
        recorder.emit('emitError', { ...context, ...errorFields(error), context: 'AI SDK call' });
        // The turn ended, in error: its turn_end says so to readers that pair turns.
        if (state !== undefined)
          recorder.emit('emitTurnEnd', { ...context, content: '', fcCount: state.toolCalls });
      });
    },
    onFinish(event: OnFinishEvent) {
      recorder.guard('onFinish', () => {
        const toolCalls = event.steps.flatMap((step) => step.toolCalls);
        const state = own() ?? finishingCall('onFinish', toolCalls, (call) => call.pendingStep === null);
        if (state === null) return;
        forget(state);
        recorder.emit('emitTurnEnd', {
          agentId: state.agentId,
          turnId: state.turnId,
          content: event.text,
          fcCount: state.toolCalls,
        });
      });
    },
  };
}
