/**
 * `calute-audit export otlp`: sends a trail over OTLP/HTTP with `exportTrail` from
 * `calute-audit/otel` (each span's ids derived from its records, so sending the same trail
 * twice sends the same spans). Runs in this process, off any agent's thread.
 */
import { AuditError } from 'calute-audit';
import { exportTrail } from 'calute-audit/otel';
import { CliError, usageError } from '../errors.js';
import type { Command } from './command.js';
import { integerOption } from './shared.js';

/** `Name=value` pairs of `--header`, as exporters take them. */
function headersOf(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw usageError(`--header ${JSON.stringify(value)}: expected Name=value`);
    headers[value.slice(0, at).trim()] = value.slice(at + 1).trim();
  }
  return headers;
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'send a trail to an OpenTelemetry backend (export otlp --url …)',
  usage:
    'calute-audit export otlp <input...> --url URL [--header Name=value]... [--service-name NAME] [--include-content]',
  help: [
    "Input: audit files (plain or gzipped) or a trail's base path (its rotated files, then the active one).",
    'Sends each turn, tool call and model call as spans (GenAI semantic conventions) over OTLP/HTTP; each',
    "span's ids are derived from its records, so exporting a trail again sends the same spans.",
    '  --url URL             the traces endpoint, e.g. http://localhost:4318/v1/traces',
    '                        (default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else that one)',
    '  --header Name=value   an HTTP header of every request (repeatable)',
    '  --service-name NAME   service.name of the resource (default calute-audit)',
    '  --include-content     send previews and messages too (left out by default)',
    '  --batch-size N        spans per request (default 512)',
    'Needs the optional packages @opentelemetry/api and @opentelemetry/exporter-trace-otlp-http.',
    'Exit status: 0 every span sent; 1 the receiver refused a request; 2 bad usage, an input that cannot be read, or the exporter package missing.',
  ].join('\n'),
  options: {
    url: { type: 'string' },
    header: { type: 'string', multiple: true },
    'service-name': { type: 'string' },
    'include-content': { type: 'boolean' },
    'batch-size': { type: 'string' },
  },
  async run(values, positionals, io) {
    const [protocol, ...inputs] = positionals;
    if (protocol !== 'otlp')
      throw usageError(
        `export: expected "otlp" (export otlp <input...> --url URL), got ${JSON.stringify(protocol ?? '')}`,
      );
    if (inputs.length === 0 || inputs.includes('-'))
      throw usageError('export otlp: give the trail files or base paths to send');
    const batchSize = integerOption(values, 'batch-size', 512);
    let sent = { files: 0, records: 0, spans: 0, batches: 0, invalidLines: 0 };
    try {
      for (const input of inputs) {
        const result = await exportTrail(input, {
          url: values.url as string | undefined,
          headers: headersOf((values.header as string[] | undefined) ?? []),
          serviceName: values['service-name'] as string | undefined,
          includeContent: values['include-content'] === true,
          batchSize,
        });
        sent = {
          files: sent.files + result.files.length,
          records: sent.records + result.records,
          spans: sent.spans + result.spans,
          batches: sent.batches + result.batches,
          invalidLines: sent.invalidLines + result.invalidLines,
        };
        if (result.firstInvalid !== null) {
          const { path, line, reason } = result.firstInvalid;
          io.stderr.write(
            `calute-audit: warning: ${result.invalidLines} lines skipped, the first ${path}:${line}: ${reason}\n`,
          );
        }
      }
    } catch (error) {
      if (!(error instanceof AuditError) || error instanceof CliError) throw error;
      // A request the receiver refused is a failed export (1); everything else is a bad input or setup (2).
      throw new CliError(error.code, error.message, error.code === 'ERR_AUDIT_OTEL_EXPORT' ? 1 : 2, {
        cause: error,
      });
    }
    io.stdout.write(
      `export otlp: ${sent.spans} spans from ${sent.records} records in ${sent.files} file${sent.files === 1 ? '' : 's'}, ${sent.batches} request${sent.batches === 1 ? '' : 's'}\n`,
    );
    return 0;
  },
};
