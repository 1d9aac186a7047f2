export { ADAPTER_WARNING_CODE } from '../common/report-errors.js';
export { type AiSdkAuditIntegration, type AiSdkAuditOptions, auditTelemetry } from './audit-telemetry.js';
