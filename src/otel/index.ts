export type { Attributes, AttributeValue } from './attributes.js';
export { MAPPING_WARNING_CODE, type MappingErrorHandler } from './diagnostics.js';
export {
  type ExportTrailOptions,
  type ExportTrailResult,
  exportTrail,
  type InvalidLine,
} from './export-trail.js';
export {
  type ExportResultLike,
  OTLP_EXPORTER_PACKAGE,
  type SpanExporterLike,
} from './load-exporter.js';
export { type FallbackEntry, OTelCollector, type OTelCollectorOptions } from './otel-collector.js';
export { INCOMPLETE, REFERENCE } from './reference-names.js';
export { ERROR_TYPE, GEN_AI, GENAI_SEMCONV_VERSION, OPERATION } from './semconv.js';
export type { ExportedSpan } from './trail-span-ops.js';
