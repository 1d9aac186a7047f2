/**
 * The emitter: one method per event type, each building the event, stamping the session id
 * and handing it to the collector. Long texts become 200-character previews.
 */
import { randomUUID } from 'node:crypto';
import type { AuditCollector } from './collector.js';
import { isAuditCollector } from './collector.js';
import { errors } from './errors.js';
import {
  AgentSwitchEvent,
  type AuditEvent,
  ErrorEvent,
  HookMutationEvent,
  SandboxDecisionEvent,
  SkillAuthoredEvent,
  SkillFeedbackEvent,
  SkillUsedEvent,
  ToolCallAttemptEvent,
  ToolCallCompleteEvent,
  ToolCallFailureEvent,
  ToolLoopBlockEvent,
  ToolLoopWarningEvent,
  ToolPolicyDecisionEvent,
  TurnEndEvent,
  TurnStartEvent,
} from './events.js';
import { InMemoryCollector } from './in-memory-collector.js';
import { checkKnownKeys, checkOptionsObject } from './options.js';

/** The reference keeps the first 200 characters of prompts, results and arguments. */
export const PREVIEW_LENGTH = 200;

/** The first `length` code points of `text`: a surrogate pair is never split. */
export function preview(text: string, length = PREVIEW_LENGTH): string {
  // Fast path: even if every character were half a pair, the cut falls past the end.
  if (text.length <= length) return text;
  let units = 0;
  for (let points = 0; points < length && units < text.length; points++) {
    const code = text.charCodeAt(units);
    const pair =
      code >= 0xd800 &&
      code <= 0xdbff &&
      units + 1 < text.length &&
      (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
  }
  return text.slice(0, units);
}

/** A new turn id: 12 lowercase hex characters from a random UUID, as the reference makes them. */
export function newTurnId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

export interface AuditEmitterOptions {
  /** @default a new `InMemoryCollector` */
  collector?: AuditCollector;
  /** Stamped on every event. @default null */
  sessionId?: string | null;
}

/** Who and where: accepted by every `emit*` method. */
export interface EventContext {
  agentId?: string | null;
  turnId?: string | null;
}

export class AuditEmitter {
  readonly #collector: AuditCollector;
  readonly #sessionId: string | null;

  constructor(options?: AuditEmitterOptions) {
    const raw = checkOptionsObject('options', options);
    checkKnownKeys('options', raw, ['collector', 'sessionId']);
    const collector = raw.collector ?? new InMemoryCollector();
    if (!isAuditCollector(collector)) {
      throw errors.option('collector', 'an object with emit() and flush() methods', collector);
    }
    const sessionId = raw.sessionId ?? null;
    if (sessionId !== null && typeof sessionId !== 'string') {
      throw errors.option('sessionId', 'a string or null', sessionId);
    }
    this.#collector = collector;
    this.#sessionId = sessionId;
  }

  get collector(): AuditCollector {
    return this.#collector;
  }

  get sessionId(): string | null {
    return this.#sessionId;
  }

  flush(): void {
    this.#collector.flush();
  }

  #emit(event: AuditEvent): void {
    this.#collector.emit(event);
  }

  /** Starts a turn; returns its id (a new one when none is given). */
  emitTurnStart(options: EventContext & { prompt?: string } = {}): string {
    const turnId = options.turnId || newTurnId();
    this.#emit(
      new TurnStartEvent({
        agentId: options.agentId,
        turnId,
        sessionId: this.#sessionId,
        promptPreview: preview(options.prompt ?? ''),
      }),
    );
    return turnId;
  }

  emitTurnEnd(options: EventContext & { content?: string; fcCount?: number } = {}): void {
    this.#emit(
      new TurnEndEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        contentPreview: preview(options.content ?? ''),
        functionCallsCount: options.fcCount ?? 0,
      }),
    );
  }

  emitToolCallAttempt(options: EventContext & { toolName: string; args?: string }): void {
    this.#emit(
      new ToolCallAttemptEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        argumentsPreview: preview(options.args ?? ''),
      }),
    );
  }

  emitToolCallComplete(
    options: EventContext & { toolName: string; status?: string; durationMs?: number; result?: string },
  ): void {
    this.#emit(
      new ToolCallCompleteEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        status: options.status ?? 'success',
        durationMs: options.durationMs ?? 0,
        resultPreview: preview(options.result ?? ''),
      }),
    );
  }

  emitToolCallFailure(
    options: EventContext & { toolName: string; errorType?: string; errorMsg?: string },
  ): void {
    this.#emit(
      new ToolCallFailureEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        errorType: options.errorType ?? '',
        errorMessage: options.errorMsg ?? '',
      }),
    );
  }

  emitToolPolicyDecision(
    options: EventContext & { toolName: string; action?: string; source?: string },
  ): void {
    this.#emit(
      new ToolPolicyDecisionEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        action: options.action ?? '',
        policySource: options.source ?? '',
      }),
    );
  }

  /** `severity` is the loop detector's level (`severity_level`); the event's own severity stays "warning". */
  emitToolLoopWarning(
    options: EventContext & { toolName: string; pattern?: string; severity?: string; count?: number },
  ): void {
    this.#emit(
      new ToolLoopWarningEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        pattern: options.pattern ?? '',
        severityLevel: options.severity ?? 'warning',
        callCount: options.count ?? 0,
      }),
    );
  }

  emitToolLoopBlock(options: EventContext & { toolName: string; pattern?: string; count?: number }): void {
    this.#emit(
      new ToolLoopBlockEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        pattern: options.pattern ?? '',
        callCount: options.count ?? 0,
      }),
    );
  }

  emitSandboxDecision(
    options: EventContext & { toolName: string; context?: string; reason?: string; backendType?: string },
  ): void {
    this.#emit(
      new SandboxDecisionEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        toolName: options.toolName,
        context: options.context ?? '',
        reason: options.reason ?? '',
        backendType: options.backendType ?? '',
      }),
    );
  }

  emitHookMutation(options: EventContext & { hookName: string; toolName?: string; field?: string }): void {
    this.#emit(
      new HookMutationEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        hookName: options.hookName,
        toolName: options.toolName ?? '',
        mutatedField: options.field ?? '',
      }),
    );
  }

  emitError(options: EventContext & { errorType?: string; errorMsg?: string; context?: string } = {}): void {
    this.#emit(
      new ErrorEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        errorType: options.errorType ?? '',
        errorMessage: options.errorMsg ?? '',
        errorContext: options.context ?? '',
      }),
    );
  }

  emitSkillUsed(
    options: EventContext & {
      skillName: string;
      version?: string;
      outcome?: string;
      durationMs?: number;
      triggeredAutomatically?: boolean;
    },
  ): void {
    this.#emit(
      new SkillUsedEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        skillName: options.skillName,
        version: options.version ?? '',
        outcome: options.outcome ?? 'unknown',
        durationMs: options.durationMs ?? 0,
        triggeredAutomatically: options.triggeredAutomatically ?? true,
      }),
    );
  }

  emitSkillAuthored(
    options: EventContext & {
      skillName: string;
      version?: string;
      sourcePath?: string;
      toolCount?: number;
      uniqueTools?: string[] | null;
      confirmedByUser?: boolean;
    },
  ): void {
    this.#emit(
      new SkillAuthoredEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        skillName: options.skillName,
        version: options.version ?? '',
        sourcePath: options.sourcePath ?? '',
        toolCount: options.toolCount ?? 0,
        uniqueTools: options.uniqueTools ? [...options.uniqueTools] : [],
        confirmedByUser: options.confirmedByUser ?? false,
      }),
    );
  }

  emitSkillFeedback(
    options: EventContext & { skillName: string; rating?: string; reason?: string; source?: string },
  ): void {
    this.#emit(
      new SkillFeedbackEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        skillName: options.skillName,
        rating: options.rating ?? 'neutral',
        reason: options.reason ?? '',
        source: options.source ?? 'user',
      }),
    );
  }

  emitAgentSwitch(options: EventContext & { fromAgent: string; toAgent: string; reason?: string }): void {
    this.#emit(
      new AgentSwitchEvent({
        agentId: options.agentId,
        turnId: options.turnId,
        sessionId: this.#sessionId,
        fromAgent: options.fromAgent,
        toAgent: options.toAgent,
        reason: options.reason ?? '',
      }),
    );
  }
}
