export { isRotatedFileOf, listTrailFiles, rotatedPath, type TrailFile } from './files.js';
