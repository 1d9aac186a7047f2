export { sidecarPath } from '#shared/checkpoint-format.js';
export { isRotatedFileOf, listTrailFiles, rotatedPath, type TrailFile } from './files.js';
export {
  type ProblemKind,
  type VerifiedFile,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  verifyAuditTrail,
} from './verify.js';
