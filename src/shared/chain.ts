/**
 * The integrity chain (see docs/integrity.md): not kept unless the sink was made with
 * `integrity`.
 */
import type { RecordChain } from './drain-loop.js';
import type { DrainMessage, DrainSettings } from './protocol.js';

export function createChain(
  settings: DrainSettings,
  _now: () => number,
  _post: (message: DrainMessage) => void,
): RecordChain | null {
  if (settings.integrity === null) return null;
  return null;
}
