/**
 * Tool calls whose attempt was mapped and whose outcome has not come yet, found again by the
 * outcome: by `tool_call_id` when the attempt had one, else the oldest call of the same turn
 * and tool name (records without ids come in the order the agent ran them).
 */
import type { HrTime } from './record-time.js';

export interface ToolCall<S> {
  readonly span: S;
  readonly time: HrTime | undefined;
  /** The tool_call_id, when the attempt had one. */
  readonly byId: string | undefined;
  /** The turn and tool name (`nameKey`), for an attempt without an id. */
  readonly byName: string | undefined;
  /** The calls of the open turn it was started in (ended with that turn), if any. */
  readonly turnCalls: Set<ToolCall<S>> | undefined;
}

/**
 * Calls in flight outside any open turn are kept at most this many; past it the oldest is
 * pushed out. It bounds an export's memory on a trail of attempts whose outcome never comes
 * (a few hundred bytes each), and is far above the tool calls one agent runs at once.
 */
export const LOOSE_CALL_LIMIT = 4096;

/** The key that pairs calls without an id: turn id and tool name. */
export const nameKey = (turnId: string | undefined, toolName: string): string =>
  `${turnId ?? ''}\u0000${toolName}`;

export class ToolCallsInFlight<S> {
  readonly #byId = new Map<string, ToolCall<S>>();
  readonly #byName = new Map<string, ToolCall<S>[]>();
  /** Calls without an open turn, oldest first. */
  readonly #loose = new Set<ToolCall<S>>();

  /** Adds a call; returns the calls it pushes out (same id, or past the limit), to end as incomplete. */
  add(call: ToolCall<S>): ToolCall<S>[] {
    const pushedOut: ToolCall<S>[] = [];
    if (call.byId !== undefined) {
      const earlier = this.#byId.get(call.byId);
      if (earlier !== undefined) {
        this.remove(earlier);
        pushedOut.push(earlier);
      }
      this.#byId.set(call.byId, call);
    } else if (call.byName !== undefined) {
      const queue = this.#byName.get(call.byName);
      if (queue === undefined) this.#byName.set(call.byName, [call]);
      else queue.push(call);
    }
    if (call.turnCalls !== undefined) call.turnCalls.add(call);
    else {
      this.#loose.add(call);
      if (this.#loose.size > LOOSE_CALL_LIMIT) {
        const [oldest] = this.#loose;
        this.remove(oldest);
        pushedOut.push(oldest);
      }
    }
    return pushedOut;
  }

  /** Takes out the call an outcome closes, if one is in flight. */
  take(toolCallId: string | undefined, key: string): ToolCall<S> | undefined {
    const call =
      (toolCallId === undefined ? undefined : this.#byId.get(toolCallId)) ?? this.#byName.get(key)?.[0];
    if (call !== undefined) this.remove(call);
    return call;
  }

  remove(call: ToolCall<S>): void {
    if (call.byId !== undefined && this.#byId.get(call.byId) === call) this.#byId.delete(call.byId);
    if (call.byName !== undefined) {
      const queue = this.#byName.get(call.byName);
      const at = queue === undefined ? -1 : queue.indexOf(call);
      if (at >= 0) queue!.splice(at, 1);
      if (queue?.length === 0) this.#byName.delete(call.byName);
    }
    call.turnCalls?.delete(call);
    this.#loose.delete(call);
  }

  /** The calls outside any open turn (a copy). */
  loose(): ToolCall<S>[] {
    return [...this.#loose];
  }
}
