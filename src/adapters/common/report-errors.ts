/**
 * A framework calls the adapter from inside the user's run: an error there (a collector
 * that throws, a closed sink) must not change the run, and must not vanish either. Each
 * callback body runs through `guarded`, which hands any error to the `onError` option, or
 * else makes it a process warning the application sees (`process.on('warning')`, stderr).
 */

/** The `code` of the process warnings an adapter emits. */
export const ADAPTER_WARNING_CODE = 'CALUTE_AUDIT_ADAPTER';

export type ErrorSink = ((error: unknown, callback: string) => void) | null;

function warn(adapter: string, callback: string, error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.emitWarning(`${adapter}: recording ${callback} failed (the run goes on): ${text}`, {
    code: ADAPTER_WARNING_CODE,
  });
}

/** Reports `error` raised in the adapter's `callback`; never throws. */
export function reportAdapterError(
  adapter: string,
  onError: ErrorSink,
  callback: string,
  error: unknown,
): void {
  if (onError === null) {
    warn(adapter, callback, error);
    return;
  }
  try {
    onError(error, callback);
  } catch (handlerError) {
    // The handler itself failed: both errors still reach the application.
    warn(adapter, callback, error);
    warn(adapter, `the onError handler for ${callback}`, handlerError);
  }
}

/** Runs `body`; an error it throws is reported, not thrown. */
export function guarded(adapter: string, onError: ErrorSink, callback: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    reportAdapterError(adapter, onError, callback, error);
  }
}
