export { ADAPTER_WARNING_CODE } from '../common/report-errors.js';
export { AuditCallbackHandler, type LangChainAuditOptions } from './audit-callback-handler.js';
