/**
 * One `exit` listener, and SIGTERM/SIGINT/SIGHUP listeners on request, for every open
 * offloaded sink. `exit` runs on a normal end, `process.exit()`, an uncaught exception and
 * an unhandled rejection; there the sinks drain synchronously, since nothing asynchronous
 * runs. Signals skip `exit` unless someone listens for them, which is why the sinks do by
 * default: SIGTERM is how every container stops.
 */

export interface ExitDrainable {
  /**
   * Writes everything emitted so far, synchronously and bounded. Must not throw.
   * `final` is true in `exit`, when nothing asynchronous will run again.
   */
  drainAtExit(final: boolean): void;
  /** SIGHUP: open the path again (logrotate's `create`). Must not throw. */
  reopenOnSignal(): void;
}

const open = new Set<ExitDrainable>();
const signalSinks = new Set<ExitDrainable>();
const hangupSinks = new Set<ExitDrainable>();
const ENDING_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Set once the process is exiting. Listening from the moment this module loads (not from
 * the first sink) means a sink made inside another `exit` listener still knows: `exit`
 * listeners added while `exit` is being emitted are never called.
 */
let exiting = false;
process.on('exit', () => {
  exiting = true;
  for (const sink of open) sink.drainAtExit(true);
});

export function isExiting(): boolean {
  return exiting;
}

function onEndingSignal(signal: NodeJS.Signals): void {
  for (const sink of open) sink.drainAtExit(false);
  // When the application listens for this signal too, ending the process is its decision.
  if (process.listenerCount(signal) > 1) return;
  for (const name of ENDING_SIGNALS) process.removeListener(name, onEndingSignal);
  // Re-raised with no listener left: the process ends as the signal would have ended it.
  process.kill(process.pid, signal);
}

function onHangup(): void {
  for (const sink of hangupSinks) sink.reopenOnSignal();
}

export function registerForExit(sink: ExitDrainable, handleSignals: boolean, reopenOnSighup: boolean): void {
  open.add(sink);
  if (handleSignals) {
    if (signalSinks.size === 0) for (const name of ENDING_SIGNALS) process.on(name, onEndingSignal);
    signalSinks.add(sink);
  }
  if (reopenOnSighup) {
    if (hangupSinks.size === 0) process.on('SIGHUP', onHangup);
    hangupSinks.add(sink);
  }
}

export function unregisterForExit(sink: ExitDrainable): void {
  open.delete(sink);
  if (signalSinks.delete(sink) && signalSinks.size === 0) {
    for (const name of ENDING_SIGNALS) process.removeListener(name, onEndingSignal);
  }
  if (hangupSinks.delete(sink) && hangupSinks.size === 0) process.removeListener('SIGHUP', onHangup);
}
