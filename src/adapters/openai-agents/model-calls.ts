/**
 * What the OpenAI Agents SDK's spans say about model calls, as `emitModelCall` options.
 * Every model call runs in a turn span, which carries the call's usage; the OpenAI models
 * also record a response span (Responses API) or a generation span (chat completions) with
 * the model's own name, ids and usage, which are preferred where present.
 */
import type { GenerationSpanData, ResponseSpanData, TurnSpanData } from '@openai/agents';
import type { AuditEmitter } from 'calute-audit';

/** A trace (one run, or a `withTrace` workflow) being recorded as a turn. */
export interface OpenTrace {
  readonly turnId: string;
  readonly emitter: AuditEmitter;
  /** turn_start is written at the trace's first agent span, which names the agent. */
  started: boolean;
  /** turn_end is written: at the trace's end, or at once when the run failed. */
  ended: boolean;
  agentId: string | null;
  toolCalls: number;
  /** The final answer, from an observed agent's `agent_end` hook. */
  output: unknown;
}

/** A turn span: one model call, and the tools and handoffs it asked for. */
export interface OpenTurn {
  readonly trace: OpenTrace;
  readonly agentName: string;
  readonly startedAt: number;
  /** When the model answered: its first tool or handoff started, or the turn ended. */
  modelEndedAt: number | null;
  modelEndedStamp: string | null;
  /** Tools and handoffs the model asked for in this turn. */
  calls: number;
  /** A response or generation span recorded this turn's model call already. */
  modelCallRecorded: boolean;
  /** The response id of a response span without a response body. */
  responseId?: string;
}

type Options = Record<string, unknown> & { model: string };

/** The model an agent names: a model name (resolved by the SDK's default OpenAI provider) or a Model object. */
function describeModel(model: unknown): { provider: string; model: string } {
  if (typeof model === 'string') return { provider: model === '' ? '' : 'openai', model };
  if (typeof model === 'object' && model !== null) {
    const named = (model as { model?: unknown }).model;
    return { provider: '', model: typeof named === 'string' ? named : model.constructor.name };
  }
  return { provider: '', model: '' };
}

/** The model call of a turn span that no response or generation span recorded. */
export function modelCallOfTurn(
  turn: OpenTurn,
  data: TurnSpanData,
  agentModel: unknown,
  failed: boolean,
): Options {
  const usage = data.usage;
  return {
    ...describeModel(agentModel),
    inputTokens: usage?.input_tokens ?? null,
    outputTokens: usage?.output_tokens ?? null,
    durationMs: (turn.modelEndedAt ?? turn.startedAt) - turn.startedAt,
    // The SDK's turn span has no finish reason; what the turn did tells it.
    finishReason: failed ? 'error' : turn.calls > 0 ? 'tool_calls' : 'stop',
    responseId: turn.responseId,
    cachedInputTokens: usage?.cached_input_tokens,
    toolCallCount: turn.calls,
  };
}

/** A chat completion, as the chat-completions model puts it in its generation span's output. */
interface ChatCompletionLike {
  id?: string;
  model?: string;
  choices?: { finish_reason?: string; message?: { tool_calls?: unknown[] } }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
    completion_tokens_details?: { reasoning_tokens?: number };
  };
}

const numberOr = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Who served a generation: the span's `provider`, else the host of its `base_url`. */
function providerOf(config: Record<string, unknown> | undefined): string {
  if (typeof config?.provider === 'string') return config.provider;
  if (typeof config?.base_url === 'string' && URL.canParse(config.base_url))
    return new URL(config.base_url).hostname;
  return '';
}

/**
 * The model call a generation span describes: usage from the span (any model) or from the
 * chat completion in its output (the chat-completions model, with sensitive data traced).
 */
export function modelCallOfGeneration(data: GenerationSpanData, durationMs: number): Options {
  const completion = (data.output?.at(-1) ?? {}) as ChatCompletionLike;
  const choice = completion.choices?.[0];
  const usage = data.usage ?? {};
  const details = (usage.details ?? {}) as Record<string, unknown>;
  return {
    provider: providerOf(data.model_config),
    model: data.model ?? completion.model ?? '',
    inputTokens: numberOr(usage.input_tokens) ?? completion.usage?.prompt_tokens ?? null,
    outputTokens: numberOr(usage.output_tokens) ?? completion.usage?.completion_tokens ?? null,
    durationMs,
    finishReason: choice?.finish_reason ?? '',
    responseModel: completion.model,
    responseId: completion.id,
    cachedInputTokens:
      numberOr(details.cached_input_tokens) ?? completion.usage?.prompt_tokens_details?.cached_tokens,
    reasoningTokens:
      numberOr(details.reasoning_tokens) ?? completion.usage?.completion_tokens_details?.reasoning_tokens,
    toolCallCount: choice?.message === undefined ? undefined : (choice.message.tool_calls?.length ?? 0),
    input: data.input?.at(-1),
    output: choice?.message ?? data.output,
  };
}

/** The model call a response span describes, when it holds the response (`_response`). */
export function modelCallOfResponse(data: ResponseSpanData, durationMs: number): Options | null {
  const response = data._response as
    | {
        model?: string;
        status?: string;
        usage?: {
          input_tokens?: number;
          output_tokens?: number;
          input_tokens_details?: { cached_tokens?: number };
          output_tokens_details?: { reasoning_tokens?: number };
        };
        output?: unknown[];
      }
    | undefined;
  if (response === undefined) return null;
  const usage = response.usage;
  return {
    provider: 'openai',
    model: response.model ?? '',
    inputTokens: usage?.input_tokens ?? null,
    outputTokens: usage?.output_tokens ?? null,
    durationMs,
    finishReason: response.status ?? '',
    responseModel: response.model,
    responseId: data.response_id,
    cachedInputTokens: usage?.input_tokens_details?.cached_tokens,
    reasoningTokens: usage?.output_tokens_details?.reasoning_tokens,
    toolCallCount: response.output?.filter((item) => (item as { type?: string }).type === 'function_call')
      .length,
    input: Array.isArray(data._input) ? data._input.at(-1) : data._input,
    output: response.output,
  };
}
