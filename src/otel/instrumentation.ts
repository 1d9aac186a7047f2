/**
 * The instrumentation scope of every span this package makes: the package's name and
 * version, read from its package.json (two directories up from dist/otel/).
 */
import { createRequire } from 'node:module';

export const INSTRUMENTATION_NAME = 'calute-audit';

function packageVersion(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url)('../../package.json') as {
      name?: string;
      version?: string;
    };
    return manifest.name === INSTRUMENTATION_NAME ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

export const INSTRUMENTATION_VERSION = packageVersion();
