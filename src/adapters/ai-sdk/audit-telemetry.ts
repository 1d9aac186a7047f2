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
 * A telemetry integration that records each run as a turn. One integration follows one run
 * at a time: calls that run concurrently each need their own (pass a fresh
 * `auditTelemetry(...)` in each call's `experimental_telemetry.integrations`).
 */
export function auditTelemetry(options: AiSdkAuditOptions): AiSdkAuditIntegration {
  const recorder = new AdapterRecorder(ADAPTER, options);
  let run: RunState | null = null;
  /** Tool call id → the turn it belongs to (a run's tools may finish after a newer run began). */
  const toolTurns = new Map<string, RunState>();

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
        run = {
          turnId,
          agentId,
          toolCalls: 0,
          stepStartedAt: performance.now(),
          stepInput: undefined,
          modelEndedAt: null,
          modelEndedStamp: null,
        };
        recorder.emit('emitTurnStart', { agentId, turnId, prompt });
      });
    },
    onStepStart(event: OnStepStartEvent) {
      recorder.guard('onStepStart', () => {
        if (run === null) return;
        run.stepStartedAt = performance.now();
        run.stepInput = lastMessageContent(event.messages);
        run.modelEndedAt = null;
        run.modelEndedStamp = null;
      });
    },
    onToolCallStart(event: OnToolCallStartEvent) {
      recorder.guard('onToolCallStart', () => {
        const state = run;
        if (state === null) return;
        markModelEnd(state);
        const { toolCallId, toolName, input } = event.toolCall;
        toolTurns.set(toolCallId, state);
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
        const state = toolTurns.get(toolCallId) ?? run;
        toolTurns.delete(toolCallId);
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
        const state = run;
        if (state === null) return;
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
        const state = run;
        run = null;
        recorder.emit('emitError', {
          agentId: state?.agentId ?? recorder.agentId,
          turnId: state?.turnId ?? null,
          ...errorFields(error),
          context: 'AI SDK call',
        });
      });
    },
    onFinish(event: OnFinishEvent) {
      recorder.guard('onFinish', () => {
        const state = run;
        if (state === null) return;
        run = null;
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
