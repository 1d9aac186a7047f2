/**
 * The piscina task of bench/pool-producers.bench.ts (compiled to .bench-dist, since workers
 * cannot run .ts on Node 20). A task emits `events` events of the fixture's turn,
 * round-robin, either into the sink's ring (`connectCollector`) or as messages to the main
 * thread, one per event or in batches.
 */
import type { MessagePort } from 'node:worker_threads';
import { connectCollector, type EventType, type RingHandle } from 'calute-audit';
import { events, optionsOf, records } from './fixture.js';

export type PoolTask =
  | { mode: 'warm' }
  | { mode: 'ring'; events: number; handle: RingHandle }
  | { mode: 'post'; events: number; port: MessagePort }
  | { mode: 'post-batched'; events: number; batch: number; port: MessagePort };

/** What a worker posts per event: the class and its camelCase options. */
export interface EventMessage {
  type: EventType;
  options: Record<string, unknown>;
}

const messages: EventMessage[] = records.map((record) => ({
  type: record.event_type,
  options: optionsOf(record),
}));
const count = records.length;

export default function poolTask(task: PoolTask): number {
  switch (task.mode) {
    case 'warm':
      return 0;
    case 'ring': {
      const collector = connectCollector(task.handle);
      for (let i = 0; i < task.events; i++) collector.emit(events[i % count]);
      return task.events;
    }
    case 'post': {
      for (let i = 0; i < task.events; i++) task.port.postMessage(messages[i % count]);
      return task.events;
    }
    case 'post-batched': {
      for (let i = 0; i < task.events; i += task.batch) {
        const batch: EventMessage[] = [];
        for (let j = i; j < Math.min(task.events, i + task.batch); j++) batch.push(messages[j % count]);
        task.port.postMessage(batch);
      }
      return task.events;
    }
  }
}
