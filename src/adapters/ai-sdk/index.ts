export { ADAPTER_WARNING_CODE } from '../common/report-errors.js';
export { type AiSdkAuditOptions, auditTelemetry } from './audit-telemetry.js';
