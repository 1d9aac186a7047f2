/**
 * The OTLP/HTTP exporter (`@opentelemetry/exporter-trace-otlp-http`), an optional peer
 * dependency loaded only when a trail is exported without an exporter of the caller's.
 */
import { AuditError } from 'calute-audit';
import type { ExportedSpan } from './trail-span-ops.js';

export const OTLP_EXPORTER_PACKAGE = '@opentelemetry/exporter-trace-otlp-http';

/** `ExportResult` of `@opentelemetry/core`: code 0 is success. */
export interface ExportResultLike {
  code: number;
  error?: Error;
}

/** What `exportTrail` needs of an exporter: the SDK's `SpanExporter` has it. */
export interface SpanExporterLike {
  export(spans: ExportedSpan[], resultCallback: (result: ExportResultLike) => void): void;
  shutdown(): Promise<void>;
}

export interface OtlpHttpSettings {
  /** Without it, the exporter's own default (environment, then localhost:4318). */
  url?: string;
  headers: Record<string, string>;
  timeoutMillis: number;
}

type ExporterModule = { OTLPTraceExporter: new (config: OtlpHttpSettings) => SpanExporterLike };

export async function createOtlpHttpExporter(settings: OtlpHttpSettings): Promise<SpanExporterLike> {
  let loaded: Partial<ExporterModule> & { default?: Partial<ExporterModule> };
  try {
    loaded = (await import(OTLP_EXPORTER_PACKAGE)) as typeof loaded;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    throw new AuditError(
      'ERR_AUDIT_OTEL_EXPORTER',
      missing
        ? `exportTrail needs the package "${OTLP_EXPORTER_PACKAGE}" (an optional peer dependency of calute-audit): install it (its 0.2xx line, which goes with @opentelemetry/api 1.9 and the 2.x SDK), or pass options.exporter (${(error as Error).message})`
        : `exportTrail could not load "${OTLP_EXPORTER_PACKAGE}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  // A CommonJS package: its named exports may only be on the default export under ESM.
  const Exporter = loaded.OTLPTraceExporter ?? loaded.default?.OTLPTraceExporter;
  if (typeof Exporter !== 'function') {
    throw new AuditError(
      'ERR_AUDIT_OTEL_EXPORTER',
      `"${OTLP_EXPORTER_PACKAGE}" has no OTLPTraceExporter export`,
    );
  }
  return new Exporter(settings);
}
