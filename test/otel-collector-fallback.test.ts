/**
 * OTelCollector where `@opentelemetry/api` is not installed: a child process whose
 * node_modules holds a copy of this package (its dist/ and package.json) and its runtime
 * dependencies, and no @opentelemetry package. The collector falls back to its log (exact
 * entries checked), reports a failing event once as a process warning, and the trail export
 * says which package it needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killChildrenAfterEach, startNode } from './support/child-process.js';
import { useTempDir } from './support/temp-files.js';

killChildrenAfterEach();
const tempDir = useTempDir('calute-audit-no-otel-');
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A project directory where `calute-audit` resolves to a copy of this package and nothing else is installed. */
function projectWithoutOtel(): string {
  const dir = tempDir();
  const installed = path.join(dir, 'node_modules', 'calute-audit');
  fs.mkdirSync(installed, { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(installed, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(installed, 'package.json'));
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    // A scoped name (@datadog/sketches-js) needs its scope's folder first.
    fs.mkdirSync(path.dirname(path.join(dir, 'node_modules', dependency)), { recursive: true });
    fs.symlinkSync(
      path.join(ROOT, 'node_modules', dependency),
      path.join(dir, 'node_modules', dependency),
      'dir',
    );
  }
  return dir;
}

const PROBE = `
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorEvent, ToolCallAttemptEvent, ToolCallCompleteEvent, TurnEndEvent, TurnStartEvent } from 'calute-audit';
import { exportTrail, OTelCollector } from 'calute-audit/otel';

const warnings = [];
process.on('warning', (warning) => warnings.push({ code: warning.code, message: warning.message }));
let apiResolves = true;
try { createRequire(import.meta.url).resolve('@opentelemetry/api'); } catch { apiResolves = false; }

const base = { timestamp: '2025-06-15T14:30:00.000001+00:00', agentId: 'a', turnId: 't1', sessionId: 's-1' };
const events = [
  new TurnStartEvent({ ...base, promptPreview: 'secret prompt' }),
  new ToolCallAttemptEvent({ ...base, toolName: 'search', argumentsPreview: '{"q":1}' }),
  new ToolCallCompleteEvent({ ...base, toolName: 'search', durationMs: 5, resultPreview: 'found' }),
  new ErrorEvent({ ...base, errorType: 'Boom', errorMessage: 'it broke' }),
  new TurnEndEvent({ ...base, contentPreview: 'done', functionCallsCount: 1 }),
];
const otel = new OTelCollector({ serviceName: 'no-otel' });
for (const event of events) otel.emit(event);
otel.emit({ not: 'an event' });
otel.emit({ not: 'an event either' });
otel.flush();
const withContent = new OTelCollector({ captureContent: true });
withContent.emit(events[0]);

let tracerError = null;
try { new OTelCollector({ tracer: { startSpan() {} } }); } catch (error) { tracerError = error.message; }

const trail = new URL('./audit.jsonl', import.meta.url);
fs.writeFileSync(trail, JSON.stringify(events[0].toDict()) + '\\n');
let exportError = null;
try { await exportTrail(trail.pathname, { url: 'http://127.0.0.1:9/v1/traces' }); }
catch (error) { exportError = { name: error.name, code: error.code, message: error.message }; }

await new Promise((resolve) => setImmediate(resolve));
console.log(JSON.stringify({
  apiResolves, hasOtel: otel.hasOtel, openTurns: otel.openTurns, failures: otel.failures,
  fallbackLog: otel.fallbackLog, contentEntry: withContent.fallbackLog[0], tracerError, exportError, warnings,
}));
`;

describe('OTelCollector without @opentelemetry/api installed', () => {
  it('keeps the reference fallback log, warns once per failing kind, and exportTrail names the missing exporter', async () => {
    const dir = projectWithoutOtel();
    fs.writeFileSync(path.join(dir, 'probe.mjs'), PROBE);
    const ended = await startNode([path.join(dir, 'probe.mjs')]).ended;
    expect(ended.code, ended.stderr).toBe(0);
    const out = JSON.parse(ended.stdout);

    expect(out.apiResolves).toBe(false);
    expect(out.hasOtel).toBe(false);
    expect(out.openTurns).toBe(0);
    expect(out.failures).toBe(2);
    const envelope = {
      timestamp: '2025-06-15T14:30:00.000001+00:00',
      agent_id: 'a',
      turn_id: 't1',
      session_id: 's-1',
      metadata: '{}',
    };
    expect(out.fallbackLog).toStrictEqual([
      { name: 'turn', attributes: { event_type: 'turn_start', ...envelope, severity: 'info' } },
      {
        name: 'tool.attempt:search',
        attributes: { event_type: 'tool_call_attempt', ...envelope, severity: 'info', tool_name: 'search' },
      },
      {
        name: 'tool.complete:search',
        attributes: {
          event_type: 'tool_call_complete',
          ...envelope,
          severity: 'info',
          tool_name: 'search',
          status: 'success',
          duration_ms: 5,
        },
      },
      {
        name: 'error:Boom',
        attributes: { event_type: 'error', ...envelope, severity: 'error', error_type: 'Boom' },
      },
      {
        name: 'turn_end',
        attributes: { event_type: 'turn_end', ...envelope, severity: 'info', function_calls_count: 1 },
      },
    ]);
    expect(out.contentEntry).toStrictEqual({
      name: 'turn',
      attributes: {
        event_type: 'turn_start',
        ...envelope,
        severity: 'info',
        prompt_preview: 'secret prompt',
      },
    });
    expect(out.tracerError).toBe(
      'Invalid option "tracer": expected a tracer with @opentelemetry/api installed, got "a tracer"',
    );
    expect(out.exportError.code).toBe('ERR_AUDIT_OTEL_EXPORTER');
    expect(out.exportError.message).toContain(
      'exportTrail needs the package "@opentelemetry/exporter-trace-otlp-http" (an optional peer dependency of calute-audit)',
    );
    // Two failures of one kind: one warning.
    expect(out.warnings).toStrictEqual([
      {
        code: 'CALUTE_AUDIT_OTEL_MAPPING',
        message:
          'OTelCollector could not map a "unknown" event (TypeError: event.toDict is not a function); it was skipped. Later failures of this kind are counted, not repeated.',
      },
    ]);
  });
});
