export { ADAPTER_WARNING_CODE } from '../common/report-errors.js';
export { AgentsAudit, type AgentsAuditOptions, agentsAudit } from './agents-audit.js';
