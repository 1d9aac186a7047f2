/**
 * Where a failure of the live mapping goes. `OTelCollector.emit` never throws (the
 * reference logs a warning and skips the event): without an `onError` handler a failure is
 * told once per kind (event type and error name), to OpenTelemetry's `diag` logger when
 * the API is there (where the application's OpenTelemetry problems already go), else as a
 * process warning. Every failure is counted.
 */
import type { OtelApiModule } from './otel-api.js';

export const MAPPING_WARNING_CODE = 'CALUTE_AUDIT_OTEL_MAPPING';

export type MappingErrorHandler = (error: unknown, eventType: string) => void;

export class MappingDiagnostics {
  readonly #api: OtelApiModule | null;
  readonly #onError: MappingErrorHandler | undefined;
  readonly #told = new Set<string>();
  #failures = 0;

  constructor(api: OtelApiModule | null, onError: MappingErrorHandler | undefined) {
    this.#api = api;
    this.#onError = onError;
  }

  get failures(): number {
    return this.#failures;
  }

  report(error: unknown, eventType: string): void {
    this.#failures++;
    if (this.#onError !== undefined) {
      try {
        this.#onError(error, eventType);
        return;
      } catch (handlerError) {
        // A throwing handler must not make emit throw either; it is told like the failure.
        error = handlerError;
      }
    }
    const name = error instanceof Error ? error.name : typeof error;
    const kind = `${eventType}\u0000${name}`;
    if (this.#told.has(kind)) return;
    this.#told.add(kind);
    const message = `OTelCollector could not map a "${eventType}" event (${describe(error)}); it was skipped. Later failures of this kind are counted, not repeated.`;
    if (this.#api !== null) this.#api.diag.warn(message, error);
    else process.emitWarning(message, { code: MAPPING_WARNING_CODE });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
