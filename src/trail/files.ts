/**
 * The files of one audit trail, found from its base path: the naming is the sink's own
 * (src/shared/trail-names.ts), re-exported for readers.
 */
export { isRotatedFileOf, listTrailFiles, rotatedPath, type TrailFile } from '#shared/trail-names.js';
