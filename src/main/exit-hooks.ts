/**
 * One `exit` listener (and, on request, SIGTERM/SIGINT listeners) for every open offloaded
 * sink. `exit` runs on a normal end, `process.exit()`, an uncaught exception and an
 * unhandled rejection; there the sinks drain synchronously, since nothing asynchronous runs.
 */

export interface ExitDrainable {
  /**
   * Writes everything emitted so far, synchronously and bounded. Must not throw.
   * `final` is true in `exit`, when nothing asynchronous will run again.
   */
  drainAtExit(final: boolean): void;
}

const open = new Set<ExitDrainable>();
const signalSinks = new Set<ExitDrainable>();
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function onExit(): void {
  for (const sink of open) sink.drainAtExit(true);
}

function onSignal(signal: NodeJS.Signals): void {
  for (const sink of open) sink.drainAtExit(false);
  // If someone else handles this signal, the decision to end is theirs.
  if (process.listenerCount(signal) > 1) return;
  for (const name of SIGNALS) process.removeListener(name, onSignal);
  // Re-raise with no listener left: the process ends as the signal would have ended it.
  process.kill(process.pid, signal);
}

export function registerForExit(sink: ExitDrainable, handleSignals: boolean): void {
  if (open.size === 0) process.on('exit', onExit);
  open.add(sink);
  if (handleSignals) {
    if (signalSinks.size === 0) for (const name of SIGNALS) process.on(name, onSignal);
    signalSinks.add(sink);
  }
}

export function unregisterForExit(sink: ExitDrainable): void {
  open.delete(sink);
  if (open.size === 0) process.removeListener('exit', onExit);
  if (signalSinks.delete(sink) && signalSinks.size === 0) {
    for (const name of SIGNALS) process.removeListener(name, onSignal);
  }
}
