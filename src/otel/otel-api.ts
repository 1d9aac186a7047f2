/**
 * `@opentelemetry/api` is an optional peer dependency: it is looked up the first time an
 * `OTelCollector` is made, not when `calute-audit/otel` is imported, so that the module
 * loads (and the collector falls back to its log) where it is not installed.
 *
 * `require` rather than `import()`: the lookup happens in a constructor, which cannot wait.
 * The package is CommonJS under Node whichever way it is loaded (its "exports" have no
 * "import" condition), and it keeps its global state (tracer provider, context manager,
 * diag logger) under a versioned `Symbol.for` key on `globalThis`, so this sees what the
 * application registered however it imported the package.
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type OtelApiModule = typeof OtelApi;

const require = createRequire(import.meta.url);
let loaded: OtelApiModule | null | undefined;

/** The API module, or null when it cannot be loaded from here. */
export function loadOtelApi(): OtelApiModule | null {
  if (loaded === undefined) {
    try {
      loaded = require('@opentelemetry/api') as OtelApiModule;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
