/**
 * The agent hooks of the OpenAI Agents SDK: each Agent is an event emitter whose tool
 * events carry the model's tool call (its id and arguments) and whose end carries the final
 * answer, which the SDK's spans do not. Observing an agent also observes the agents it
 * hands off to (and theirs), since a run continues in them.
 */
import type { Agent } from '@openai/agents';

export interface HookListeners {
  toolStart(agentName: string, toolName: string, callId: string, args: unknown): void;
  agentEnd(output: unknown): void;
}

/**
 * Adds the listeners to each agent reachable from `agents` that is not in `seen` yet, and
 * adds it there (by name).
 */
export function observeAgents(
  agents: readonly Agent<any, any>[],
  listeners: HookListeners,
  seen: Map<string, Agent<any, any>>,
): void {
  const visit = (agent: Agent<any, any>) => {
    if (seen.get(agent.name) === agent) return;
    seen.set(agent.name, agent);
    agent.on('agent_tool_start', (_context, tool, details) => {
      const call = details.toolCall as { callId?: string; arguments?: string; id?: string };
      listeners.toolStart(agent.name, tool.name, call.callId ?? call.id ?? '', call.arguments);
    });
    agent.on('agent_end', (_context, output) => listeners.agentEnd(output));
    for (const handoff of agent.handoffs) {
      visit('agent' in handoff ? handoff.agent : handoff);
    }
  };
  for (const agent of agents) visit(agent);
}
