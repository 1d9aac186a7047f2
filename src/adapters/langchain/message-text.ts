/**
 * LangChain hands callbacks its own shapes (messages, chain input and output objects,
 * generations); these pick the part a preview should show and the usage of a model call.
 */
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';

function isMessage(value: unknown): value is BaseMessage {
  return typeof value === 'object' && value !== null && 'content' in value && 'getType' in value;
}

/**
 * What a preview of a chain's input or output, a tool's result or a message list shows:
 * a message's content, the last of a list of messages, the `input`/`output`/`messages`
 * entry of a chain's values, else the value itself (the emitter serializes objects).
 */
export function contentOf(value: unknown): unknown {
  if (isMessage(value)) return value.content;
  if (Array.isArray(value)) {
    const last = value.at(-1);
    return isMessage(last) || Array.isArray(last) ? contentOf(last) : value;
  }
  if (typeof value === 'object' && value !== null) {
    const values = value as Record<string, unknown>;
    for (const key of ['output', 'input', 'messages']) {
      if (key in values && Object.keys(values).length === 1) return contentOf(values[key]);
    }
    if ('messages' in values) return contentOf(values.messages);
  }
  return value;
}

export interface ModelCallFacts {
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens?: number;
  reasoningTokens?: number;
  finishReason: string;
  responseModel?: string;
  responseId?: string;
  toolCallCount?: number;
  output: unknown;
}

/** Usage, finish reason and output of a model call, from what `handleLLMEnd` receives. */
export function modelCallFacts(result: LLMResult): ModelCallFacts {
  const generation = result.generations[0]?.[0] as
    | { text?: string; message?: BaseMessage; generationInfo?: Record<string, unknown> }
    | undefined;
  const message = generation?.message as
    | (BaseMessage & {
        usage_metadata?: {
          input_tokens?: number;
          output_tokens?: number;
          input_token_details?: { cache_read?: number };
          output_token_details?: { reasoning?: number };
        };
        tool_calls?: { name: string; args: unknown; id?: string }[];
      })
    | undefined;
  const usage = message?.usage_metadata;
  // Providers that predate usage_metadata report OpenAI-style counts in llmOutput.
  const legacy = (result.llmOutput?.tokenUsage ?? {}) as { promptTokens?: number; completionTokens?: number };
  const metadata = (message?.response_metadata ?? {}) as Record<string, unknown>;
  const finish =
    metadata.finish_reason ?? metadata.stop_reason ?? generation?.generationInfo?.finish_reason ?? '';
  const toolCalls = message?.tool_calls ?? [];
  const text = message === undefined ? generation?.text : message.content;
  return {
    inputTokens: usage?.input_tokens ?? legacy.promptTokens ?? null,
    outputTokens: usage?.output_tokens ?? legacy.completionTokens ?? null,
    cachedInputTokens: usage?.input_token_details?.cache_read,
    reasoningTokens: usage?.output_token_details?.reasoning,
    finishReason: typeof finish === 'string' ? finish : String(finish),
    responseModel: typeof metadata.model_name === 'string' ? metadata.model_name : undefined,
    responseId: message?.id,
    toolCallCount: message === undefined ? undefined : toolCalls.length,
    // A model that asks for tools: the calls are its decision, whatever text comes with them.
    output: toolCalls.length > 0 ? toolCalls.map((call) => ({ name: call.name, args: call.args })) : text,
  };
}
