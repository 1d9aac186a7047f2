/**
 * The OpenTelemetry names this package writes, in one place.
 *
 * GenAI semantic conventions, pinned at semantic-conventions v1.41.0 (docs/gen-ai/
 * gen-ai-agent-spans.md and gen-ai-spans.md, the last release that held them before they
 * moved to their own repository, semantic-conventions-genai). They are in Development
 * status, and `@opentelemetry/semantic-conventions` publishes them only under its
 * `incubating` entry, which may change in any minor release; so the few names used here are
 * kept as strings. A version bump is a change of this file alone.
 */

export const GENAI_SEMCONV_VERSION = '1.41.0';

export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  /** Opt-in content. */
  toolCallArguments: 'gen_ai.tool.call.arguments',
  /** Opt-in content. */
  toolCallResult: 'gen_ai.tool.call.result',
  /** Opt-in content: `[{ role, parts: [{ type: 'text', content }] }]` as a JSON string on spans. */
  inputMessages: 'gen_ai.input.messages',
  /** Opt-in content: as the input, each message with its `finish_reason`. */
  outputMessages: 'gen_ai.output.messages',
} as const;

/** Stable general attribute (`error.type`), and its fallback value when no class is known. */
export const ERROR_TYPE = 'error.type';
export const ERROR_TYPE_OTHER = '_OTHER';

/** Well-known `gen_ai.operation.name` values used here. */
export const OPERATION = {
  invokeAgent: 'invoke_agent',
  executeTool: 'execute_tool',
  chat: 'chat',
} as const;

/**
 * Span names: "`invoke_agent {gen_ai.agent.name}`, or `invoke_agent` when the name is not
 * available"; "`execute_tool {gen_ai.tool.name}`"; "`{gen_ai.operation.name}
 * {gen_ai.request.model}`" for inference.
 */
export const spanName = (operation: string, subject: string | null | undefined): string =>
  subject ? `${operation} ${subject}` : operation;
