/**
 * The LangChain.js adapter: a callback handler, LangChain's hook for every run of a chain,
 * model, tool or agent (LangGraph's and `createAgent`'s too, which run on the same
 * callbacks). Each callback carries the run's id and its parent's, so concurrent runs stay
 * apart. One line: `{ callbacks: [new AuditCallbackHandler({ collector })] }` in the
 * outermost `invoke`'s config; LangChain hands it to every nested run.
 *
 *   outermost chain start/end → turn_start / turn_end (turn id = the run id; a LangGraph
 *     `thread_id` is the session id unless `sessionId` is given)
 *   chat model / LLM start+end → model_call (provider and model from the run's `ls_*`
 *     metadata, tokens from `usage_metadata`)
 *   tool start → tool_call_attempt; end → tool_call_complete; error → tool_call_failure
 *     (tool call id = the model's tool call id, else the tool run's id)
 *   model or chain error → error
 *
 * The handler sets `awaitHandlers`, so LangChain waits for each record before it goes on:
 * the attempt is recorded before the tool runs, and records keep the run's order.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { Serialized } from '@langchain/core/load/serializable';
import type { BaseMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import type { ChainValues } from '@langchain/core/utils/types';
import type { AuditEmitter } from 'calute-audit';
import type { AdapterOptions } from '../common/adapter-options.js';
import { errorFields } from '../common/error-fields.js';
import { AdapterRecorder } from '../common/recorder.js';
import { contentOf, modelCallFacts } from './message-text.js';

const ADAPTER = 'calute-audit/langchain';

export type LangChainAuditOptions = AdapterOptions;

/** What the handler keeps of a run until it ends. */
interface RunRecord {
  readonly kind: 'turn' | 'chain' | 'model' | 'tool';
  /** The turn the run belongs to: its outermost chain's run id, or the emitter's turn. */
  readonly turnId: string | null;
  readonly agentId: string | null;
  readonly emitter: AuditEmitter;
  readonly startedAt: number;
  readonly name: string;
  provider?: string;
  input?: unknown;
  toolCallId?: string;
  toolCalls: number;
}

type Metadata = Record<string, unknown> | undefined;

function nameOf(serialized: Serialized | undefined, runName: string | undefined): string {
  if (runName) return runName;
  const id = (serialized as { id?: string[] } | undefined)?.id;
  return (serialized as { name?: string } | undefined)?.name ?? id?.at(-1) ?? 'unknown';
}

export class AuditCallbackHandler extends BaseCallbackHandler {
  name = 'calute-audit';
  readonly #recorder: AdapterRecorder;
  readonly #sessionGiven: boolean;
  readonly #runs = new Map<string, RunRecord>();

  constructor(options: LangChainAuditOptions) {
    super();
    this.#recorder = new AdapterRecorder(ADAPTER, options);
    this.#sessionGiven = options.sessionId !== undefined;
    // Each record is written before LangChain goes on (see above); errors never propagate.
    this.awaitHandlers = true;
    this.raiseError = false;
  }

  /** The record of a new run: inherits its parent's turn, or opens one if it is outermost. */
  #open(
    kind: RunRecord['kind'],
    runId: string,
    parentRunId: string | undefined,
    name: string,
    metadata: Metadata,
  ) {
    const parent = parentRunId === undefined ? undefined : this.#runs.get(parentRunId);
    const outermost = parentRunId === undefined;
    const emitter = parent?.emitter ?? this.#emitterFor(metadata);
    const turn = outermost && kind === 'chain';
    // The agent: the option, else the agent LangChain names (createAgent), else the
    // outermost chain's name (a graph or runnable named after the agent).
    const agentName = typeof metadata?.lc_agent_name === 'string' ? metadata.lc_agent_name : undefined;
    const record: RunRecord = {
      kind: turn ? 'turn' : kind,
      turnId: turn ? runId : (parent?.turnId ?? emitter.context.turnId ?? null),
      agentId: this.#recorder.agentId ?? agentName ?? parent?.agentId ?? (turn ? name : null),
      emitter,
      startedAt: performance.now(),
      name,
      toolCalls: 0,
    };
    this.#runs.set(runId, record);
    return record;
  }

  /** An outermost run's emitter: bound to its LangGraph thread (the session) if it names one. */
  #emitterFor(metadata: Metadata): AuditEmitter {
    const thread = metadata?.thread_id;
    if (this.#sessionGiven || typeof thread !== 'string') return this.#recorder.emitter;
    return this.#recorder.emitter.child({ sessionId: thread });
  }

  /** A run that has ended: its record, no longer tracked. */
  #take(runId: string): RunRecord | undefined {
    const record = this.#runs.get(runId);
    this.#runs.delete(runId);
    return record;
  }

  /** The turn a run counts its tool calls in. */
  #turnOf(record: RunRecord): RunRecord | undefined {
    return record.turnId === null ? undefined : this.#runs.get(record.turnId);
  }

  // The parameters in the order LangChain's callback manager passes them (and its own
  // tracer reads them): parent run id fourth, run name eighth. The declared type of
  // `handleChainStart` lists them in another order, which no caller uses.
  override handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Metadata,
    _runType?: string,
    runName?: string,
  ): void {
    this.#recorder.guard('handleChainStart', () => {
      const record = this.#open('chain', runId, parentRunId, nameOf(chain, runName), metadata);
      if (record.kind !== 'turn') return;
      this.#recorder.emit(
        'emitTurnStart',
        { agentId: record.agentId, turnId: record.turnId, prompt: contentOf(inputs) },
        record.emitter,
      );
    });
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    this.#recorder.guard('handleChainEnd', () => {
      const record = this.#take(runId);
      if (record?.kind === 'turn') this.#endTurn(record, contentOf(outputs));
    });
  }

  /** The turn's `turn_end`: its answer, or '' when it failed. */
  #endTurn(record: RunRecord, content: unknown): void {
    const args = { agentId: record.agentId, turnId: record.turnId, content, fcCount: record.toolCalls };
    this.#recorder.emit('emitTurnEnd', args, record.emitter);
  }

  override handleChainError(error: Error, runId: string): void {
    this.#recorder.guard('handleChainError', () => {
      const record = this.#take(runId);
      // An error passes through every chain it leaves; the outermost one records it once.
      if (record?.kind !== 'turn') return;
      this.#recorder.emit(
        'emitError',
        {
          agentId: record.agentId,
          turnId: record.turnId,
          ...errorFields(error),
          context: `chain ${record.name}`,
        },
        record.emitter,
      );
      // The turn ended, in error: its turn_end says so to readers that pair turns.
      this.#endTurn(record, '');
    });
  }

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    _extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Metadata,
    runName?: string,
  ): void {
    this.#recorder.guard('handleChatModelStart', () =>
      this.#modelStart(llm, messages[0], runId, parentRunId, metadata, runName),
    );
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    _extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Metadata,
    runName?: string,
  ): void {
    this.#recorder.guard('handleLLMStart', () =>
      this.#modelStart(llm, prompts, runId, parentRunId, metadata, runName),
    );
  }

  #modelStart(
    llm: Serialized,
    input: unknown,
    runId: string,
    parentRunId: string | undefined,
    metadata: Metadata,
    runName: string | undefined,
  ) {
    // LangChain puts the model's provider and name into every model run's metadata (ls_*).
    const model = typeof metadata?.ls_model_name === 'string' ? metadata.ls_model_name : nameOf(llm, runName);
    const record = this.#open('model', runId, parentRunId, model, metadata);
    record.provider = typeof metadata?.ls_provider === 'string' ? metadata.ls_provider : '';
    record.input = contentOf(input);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    this.#recorder.guard('handleLLMEnd', () => {
      const record = this.#take(runId);
      if (record === undefined) return;
      const facts = modelCallFacts(output);
      this.#recorder.emit(
        'emitModelCall',
        {
          agentId: record.agentId,
          turnId: record.turnId,
          provider: record.provider,
          model: record.name,
          durationMs: performance.now() - record.startedAt,
          ...facts,
          input: record.input,
        },
        record.emitter,
      );
    });
  }

  override handleLLMError(error: Error, runId: string): void {
    this.#recorder.guard('handleLLMError', () => {
      const record = this.#take(runId);
      this.#recorder.emit(
        'emitError',
        {
          agentId: record?.agentId ?? this.#recorder.agentId,
          turnId: record?.turnId ?? null,
          ...errorFields(error),
          context: `model ${record?.name ?? 'unknown'}`,
        },
        record?.emitter,
      );
    });
  }

  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    _tags?: string[],
    metadata?: Metadata,
    runName?: string,
    toolCallId?: string,
  ): void {
    this.#recorder.guard('handleToolStart', () => {
      const record = this.#open('tool', runId, parentRunId, nameOf(tool, runName), metadata);
      // A tool invoked with the model's tool call carries its id; one invoked with bare
      // arguments has none, and its run id pairs the attempt with its outcome instead.
      record.toolCallId = toolCallId ?? runId;
      const turn = this.#turnOf(record);
      if (turn !== undefined) turn.toolCalls++;
      this.#recorder.emit(
        'emitToolCallAttempt',
        {
          agentId: record.agentId,
          turnId: record.turnId,
          toolName: record.name,
          args: input,
          toolCallId: record.toolCallId,
        },
        record.emitter,
      );
    });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    this.#recorder.guard('handleToolEnd', () => {
      const record = this.#take(runId);
      if (record === undefined) return;
      const message = output as { status?: unknown; content?: unknown } | null;
      this.#recorder.emit(
        'emitToolCallComplete',
        {
          agentId: record.agentId,
          turnId: record.turnId,
          toolName: record.name,
          // A ToolMessage says whether the tool reported an error as its result.
          status: message?.status === 'error' ? 'error' : 'success',
          durationMs: performance.now() - record.startedAt,
          result: contentOf(output),
          toolCallId: record.toolCallId,
        },
        record.emitter,
      );
    });
  }

  override handleToolError(error: Error, runId: string): void {
    this.#recorder.guard('handleToolError', () => {
      const record = this.#take(runId);
      if (record === undefined) return;
      this.#recorder.emit(
        'emitToolCallFailure',
        {
          agentId: record.agentId,
          turnId: record.turnId,
          toolName: record.name,
          ...errorFields(error),
          toolCallId: record.toolCallId,
          durationMs: performance.now() - record.startedAt,
        },
        record.emitter,
      );
    });
  }
}
