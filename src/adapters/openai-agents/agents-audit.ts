/**
 * The OpenAI Agents SDK adapter: a tracing processor, the SDK's hook that sees every run
 * (trace), turn, tool call, handoff and guardrail of every runner, with their ids, timing,
 * usage and errors. One line: `addTraceProcessor(agentsAudit({ collector }).observe(agent))`.
 *
 * The SDK's spans do not carry a tool call's id, its arguments before it runs, or the run's
 * final answer; its agent hooks do. Agents passed to `observe()` or listed in `agents` (and
 * those they hand off to) are observed for those: then each tool attempt is recorded when
 * the tool starts, with the
 * model's call id and arguments, and the turn ends with the final answer. A tool of an agent
 * not observed is recorded from its span alone: its span id is its tool call id, and its
 * arguments are in neither record (the SDK sets them on the span only later).
 *
 *   trace (a run, or a `withTrace` workflow)  → turn_start (first agent) / turn_end
 *     turn id = the trace id; session = the trace's group id unless `sessionId` is given
 *   turn span (one model call and what it asked for) → model_call, with the turn's usage;
 *     written when the turn ends, stamped when the model answered (its first tool or
 *     handoff, or the turn's end), so `timestamp - duration_ms` is when the call began;
 *     a model that records its own response or generation span (the SDK's OpenAI
 *     models) is recorded from that span instead, with its model name, ids and timing
 *   function span → tool_call_attempt / tool_call_complete, or tool_call_failure when the
 *     span has an error
 *   handoff span → agent_switch;  guardrail span → tool_policy_decision
 *     (tool name = the guardrail's name, action "deny" when its tripwire triggered)
 *   an error on the run's task span → error
 */
import type { Agent, Span, SpanData, Trace, TracingProcessor } from '@openai/agents';
import { getCurrentSpan } from '@openai/agents';
import { AuditOptionError, nowTimestamp } from 'calute-audit';
import type { AdapterOptions } from '../common/adapter-options.js';
import { AdapterRecorder } from '../common/recorder.js';
import { observeAgents } from './agent-hooks.js';
import {
  modelCallOfGeneration,
  modelCallOfResponse,
  modelCallOfTurn,
  type OpenTrace,
  type OpenTurn,
} from './model-calls.js';

const ADAPTER = 'calute-audit/openai-agents';

export interface AgentsAuditOptions extends AdapterOptions {
  /**
   * Agents whose hooks add tool call ids, tool arguments and the final answer (the agents
   * they hand off to are observed too).
   */
  agents?: readonly Agent<any, any>[];
}

/** Epoch microseconds of an ISO time the SDK stamps on spans (millisecond precision). */
const microsOf = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) * 1000 : null);

export class AgentsAudit implements TracingProcessor {
  readonly #recorder: AdapterRecorder;
  readonly #sessionGiven: boolean;
  readonly #traces = new Map<string, OpenTrace>();
  readonly #turns = new Map<string, OpenTurn>();
  /** Span id → agent name, for agent spans (guardrails hang under them). */
  readonly #agentSpans = new Map<string, string>();
  /** Function span id → the tool call the agent hooks saw start in it. */
  readonly #hookedTools = new Map<string, { callId: string }>();
  /** The observed agents, by name. */
  readonly #observed = new Map<string, Agent<any, any>>();

  constructor(options: AgentsAuditOptions) {
    this.#recorder = new AdapterRecorder(ADAPTER, options, ['agents']);
    this.#sessionGiven = options.sessionId !== undefined;
    const agents = options.agents ?? [];
    if (!Array.isArray(agents)) {
      throw new AuditOptionError(
        'ERR_AUDIT_OPTION',
        `Invalid option "agents" of ${ADAPTER}: expected an array of agents`,
      );
    }
    this.observe(...agents);
  }

  /**
   * Observes these agents' hooks (and those of the agents they hand off to), for tool call
   * ids, tool arguments and the final answer. Agents observed already are skipped.
   */
  observe(...agents: Agent<any, any>[]): this {
    for (const [index, agent] of agents.entries()) {
      if (typeof (agent as { on?: unknown })?.on !== 'function' || typeof agent.name !== 'string') {
        throw new AuditOptionError(
          'ERR_AUDIT_OPTION',
          `${ADAPTER}: observe() takes Agent objects; argument ${index} is not one`,
        );
      }
    }
    observeAgents(
      agents,
      {
        toolStart: (agentName, toolName, callId, args) =>
          this.#recorder.guard('agent_tool_start', () =>
            this.#hookToolStart(agentName, toolName, callId, args),
          ),
        agentEnd: (output) => this.#recorder.guard('agent_end', () => this.#hookAgentEnd(output)),
      },
      this.#observed,
    );
    return this;
  }

  async onTraceStart(trace: Trace): Promise<void> {
    this.#recorder.guard('onTraceStart', () => {
      const group = this.#sessionGiven ? null : trace.groupId;
      const emitter = group ? this.#recorder.emitter.child({ sessionId: group }) : this.#recorder.emitter;
      this.#traces.set(trace.traceId, {
        turnId: trace.traceId,
        emitter,
        started: false,
        ended: false,
        toolCalls: 0,
        output: undefined,
        agentId: null,
      });
    });
  }

  async onTraceEnd(trace: Trace): Promise<void> {
    this.#recorder.guard('onTraceEnd', () => {
      const state = this.#traces.get(trace.traceId);
      this.#traces.delete(trace.traceId);
      if (state === undefined || !state.started || state.ended) return;
      this.#endTurn(state, state.output);
    });
  }

  /** The trace's `turn_end`: its answer, or '' when the run failed. */
  #endTurn(state: OpenTrace, content: unknown): void {
    state.ended = true;
    const args = { agentId: state.agentId, turnId: state.turnId, content, fcCount: state.toolCalls };
    this.#recorder.emit('emitTurnEnd', args, state.emitter);
  }

  async onSpanStart(span: Span<SpanData>): Promise<void> {
    this.#recorder.guard('onSpanStart', () => {
      const state = this.#traces.get(span.traceId);
      if (state === undefined) return;
      const data = span.spanData;
      switch (data.type) {
        case 'agent': {
          this.#agentSpans.set(span.spanId, data.name);
          if (!state.started) {
            state.started = true;
            state.agentId = this.#agentId(data.name);
            this.#recorder.emit(
              'emitTurnStart',
              { agentId: state.agentId, turnId: state.turnId },
              state.emitter,
            );
          }
          return;
        }
        case 'turn':
          this.#turns.set(span.spanId, {
            trace: state,
            agentName: data.agent_name,
            startedAt: performance.now(),
            modelEndedAt: null,
            modelEndedStamp: null,
            calls: 0,
            modelCallRecorded: false,
          });
          return;
        case 'function':
        case 'handoff': {
          const turn = this.#turnOf(span);
          if (turn === undefined) return;
          this.#markModelEnd(turn);
          turn.calls++;
          if (data.type === 'function' && !this.#observed.has(turn.agentName)) {
            state.toolCalls++;
            this.#recorder.emit(
              'emitToolCallAttempt',
              {
                agentId: this.#agentId(turn.agentName),
                turnId: state.turnId,
                toolName: data.name,
                toolCallId: span.spanId,
              },
              state.emitter,
            );
          }
          return;
        }
        default:
      }
    });
  }

  async onSpanEnd(span: Span<SpanData>): Promise<void> {
    this.#recorder.guard('onSpanEnd', () => {
      const state = this.#traces.get(span.traceId);
      if (state === undefined) return;
      const data = span.spanData;
      switch (data.type) {
        case 'agent':
          this.#agentSpans.delete(span.spanId);
          return;
        case 'turn': {
          const turn = this.#turns.get(span.spanId);
          this.#turns.delete(span.spanId);
          if (turn === undefined || turn.modelCallRecorded) return;
          this.#markModelEnd(turn);
          const model = this.#observed.get(turn.agentName)?.model;
          this.#recorder.emitModelCallEndedAt(turn.modelEndedStamp!, {
            ...modelCallOfTurn(turn, data, model, span.error !== null),
            agentId: this.#agentId(turn.agentName),
            turnId: state.turnId,
          });
          return;
        }
        case 'generation':
        case 'response': {
          const turn = this.#turnOf(span);
          const started = microsOf(span.startedAt);
          const ended = microsOf(span.endedAt);
          const durationMs = started === null || ended === null ? 0 : (ended - started) / 1000;
          const call =
            data.type === 'generation'
              ? modelCallOfGeneration(data, durationMs)
              : modelCallOfResponse(data, durationMs);
          if (call === null) {
            // A response span without the response body still names the response.
            if (turn !== undefined && data.type === 'response') turn.responseId = data.response_id;
            return;
          }
          if (turn !== undefined) turn.modelCallRecorded = true;
          this.#recorder.emit(
            'emitModelCall',
            { ...call, agentId: this.#agentId(turn?.agentName ?? null), turnId: state.turnId },
            state.emitter,
          );
          return;
        }
        case 'function':
          this.#toolEnd(span as Span<typeof data>, state);
          return;
        case 'handoff': {
          const turn = this.#turnOf(span);
          this.#recorder.emit(
            'emitAgentSwitch',
            {
              agentId: this.#agentId(data.from_agent ?? turn?.agentName ?? null),
              turnId: state.turnId,
              fromAgent: data.from_agent ?? '',
              toAgent: data.to_agent ?? '',
              reason: 'handoff',
            },
            state.emitter,
          );
          return;
        }
        case 'guardrail':
          this.#recorder.emit(
            'emitToolPolicyDecision',
            {
              agentId: this.#agentId(this.#agentSpans.get(span.parentId ?? '') ?? null),
              turnId: state.turnId,
              toolName: data.name,
              action: data.triggered ? 'deny' : 'allow',
              source: 'guardrail',
            },
            state.emitter,
          );
          return;
        case 'task':
          if (span.error === null) return;
          this.#recorder.emit(
            'emitError',
            {
              agentId: state.agentId,
              turnId: state.turnId,
              errorType: 'AgentRunError',
              errorMsg: errorText(span.error),
              context: `run ${data.name}`,
            },
            state.emitter,
          );
          // The run failed: its turn ends here, as the other adapters end a failed turn.
          if (state.started && !state.ended) this.#endTurn(state, '');
          return;
        default:
      }
    });
  }

  /** Flushes the collector, so that a `forceFlush()` of the SDK's tracing reaches the audit trail too. */
  async forceFlush(): Promise<void> {
    this.#recorder.guard('forceFlush', () => this.#recorder.emitter.flush());
  }

  /** The collector belongs to the application, which closes it. */
  async shutdown(): Promise<void> {}

  #toolEnd(span: Span<SpanData & { type: 'function' }>, state: OpenTrace): void {
    const turn = this.#turnOf(span);
    const hooked = this.#hookedTools.get(span.spanId);
    this.#hookedTools.delete(span.spanId);
    const data = span.spanData;
    const started = microsOf(span.startedAt);
    const ended = microsOf(span.endedAt);
    const context = {
      agentId: this.#agentId(turn?.agentName ?? null),
      turnId: state.turnId,
      toolName: data.name,
      toolCallId: hooked?.callId ?? span.spanId,
      durationMs: started === null || ended === null ? 0 : (ended - started) / 1000,
    };
    if (span.error !== null) {
      this.#recorder.emit(
        'emitToolCallFailure',
        { ...context, errorType: 'ToolError', errorMsg: errorText(span.error) },
        state.emitter,
      );
    } else {
      this.#recorder.emit('emitToolCallComplete', { ...context, result: data.output }, state.emitter);
    }
  }

  /** An observed agent's tool starts: this is the attempt, with the model's call id and arguments. */
  #hookToolStart(agentName: string, toolName: string, callId: string, args: unknown): void {
    const span = getCurrentSpan();
    const state = span === null ? undefined : this.#traces.get(span.traceId);
    // A run without tracing (tracingDisabled) is not recorded at all, its tools included.
    if (span === null || state === undefined) return;
    if (span.spanData.type === 'function') this.#hookedTools.set(span.spanId, { callId });
    state.toolCalls++;
    this.#recorder.emit(
      'emitToolCallAttempt',
      { agentId: this.#agentId(agentName), turnId: state.turnId, toolName, args, toolCallId: callId },
      state.emitter,
    );
  }

  #hookAgentEnd(output: unknown): void {
    const span = getCurrentSpan();
    const state = span === null ? undefined : this.#traces.get(span.traceId);
    if (state !== undefined) state.output = output;
  }

  #turnOf(span: Span<SpanData>): OpenTurn | undefined {
    return span.parentId === null ? undefined : this.#turns.get(span.parentId);
  }

  #markModelEnd(turn: OpenTurn): void {
    if (turn.modelEndedAt !== null) return;
    turn.modelEndedAt = performance.now();
    turn.modelEndedStamp = nowTimestamp();
  }

  #agentId(agentName: string | null): string | null {
    return this.#recorder.agentId ?? agentName;
  }
}

function errorText(error: { message: string; data?: Record<string, unknown> }): string {
  const detail = error.data?.error;
  return typeof detail === 'string' && detail !== '' ? `${error.message}: ${detail}` : error.message;
}

/** A tracing processor that records the SDK's runs; see the top of this file. */
export function agentsAudit(options: AgentsAuditOptions): AgentsAudit {
  return new AgentsAudit(options);
}
