import { randomUUID } from 'node:crypto';

/** A new turn id: 12 lowercase hex characters from a random UUID, as the reference makes them. */
export function newTurnId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

/**
 * A new tool call id, made like a turn id (GenAI conventions: `gen_ai.tool.call.id`). 48
 * random bits: a collision among the calls of one trail is about as likely as among a
 * session's turn ids.
 */
export const newToolCallId = newTurnId;
