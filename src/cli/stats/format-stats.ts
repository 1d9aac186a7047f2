/** `stats` as text: a summary, then one table per kind of count. */
import type { Palette } from '../output/palette.js';
import { renderTable } from '../output/table.js';
import { formatBytes, formatCount, formatMs, formatPercent } from '../output/units.js';
import { tornLineText } from '../record/read-records.js';
import type { DurationSummary } from './durations.js';
import type { TrailStats } from './trail-stats.js';

const percentile = (summary: DurationSummary | null, key: 'p50' | 'p95' | 'p99' | 'max') =>
  summary === null ? '-' : `${summary.approximate && key !== 'max' ? '≈' : ''}${formatMs(summary[key])}`;

const orNone = (value: string | null) => (value === null ? '(none)' : value);

export function formatStats(stats: TrailStats, palette: Palette): string {
  const header = (text: string) => palette.bold(text);
  const out: string[] = [];
  const files = stats.sources.length;
  out.push(
    `${files} ${files === 1 ? 'source' : 'sources'}, ${formatCount(stats.records)} records, ${formatBytes(stats.bytes)}` +
      (stats.firstTimestamp ? `, ${stats.firstTimestamp} → ${stats.lastTimestamp}` : ''),
  );
  out.push(
    [
      `sessions ${formatCount(stats.sessions.filter((s) => s.session !== null).length)}`,
      `turns ${formatCount(stats.turns.started)} started, ${formatCount(stats.turns.ended)} ended`,
      `dropped ${formatCount(stats.dropped.events)} events (${formatCount(stats.dropped.marks)} mark${stats.dropped.marks === 1 ? '' : 's'})`,
      `torn lines ${stats.tornLines.length}`,
      ...(stats.blankLines > 0 ? [`blank lines ${formatCount(stats.blankLines)}`] : []),
    ].join('  '),
  );
  for (const torn of stats.tornLines) out.push(palette.yellow(`torn: ${tornLineText(torn)}`));
  if (stats.dropped.marks > 0) {
    out.push(
      palette.yellow(
        `dropped: ${formatCount(stats.dropped.events)} events (${formatBytes(stats.dropped.bytes)}) were lost in 'drop' mode`,
      ),
    );
  }
  const section = (lines: string[]) => {
    out.push('', ...lines);
  };
  section(
    renderTable(
      [{ title: 'type' }, { title: 'records', align: 'right' }],
      stats.types.map((row) => [row.type, formatCount(row.records)]),
      header,
    ),
  );
  section(
    renderTable(
      [{ title: 'severity' }, { title: 'records', align: 'right' }],
      stats.severities.map((row) => [row.severity, formatCount(row.records)]),
      header,
    ),
  );
  section(
    renderTable(
      [{ title: 'agent' }, { title: 'records', align: 'right' }],
      stats.agents.map((row) => [orNone(row.agent), formatCount(row.records)]),
      header,
    ),
  );
  section(
    renderTable(
      [{ title: 'session' }, { title: 'records', align: 'right' }, { title: 'turns', align: 'right' }],
      stats.sessions.map((row) => [orNone(row.session), formatCount(row.records), formatCount(row.turns)]),
      header,
    ),
  );
  if (stats.tools.length > 0) {
    section(
      renderTable(
        [
          { title: 'tool' },
          { title: 'records', align: 'right' },
          { title: 'attempts', align: 'right' },
          { title: 'completed', align: 'right' },
          { title: 'failed', align: 'right' },
          { title: 'failure rate', align: 'right' },
          { title: 'p50', align: 'right' },
          { title: 'p95', align: 'right' },
          { title: 'p99', align: 'right' },
          { title: 'max', align: 'right' },
        ],
        stats.tools.map((tool) => [
          tool.tool,
          formatCount(tool.records),
          formatCount(tool.attempts),
          formatCount(tool.completed),
          formatCount(tool.failed),
          tool.failureRate === null ? '-' : formatPercent(tool.failureRate),
          percentile(tool.durationMs, 'p50'),
          percentile(tool.durationMs, 'p95'),
          percentile(tool.durationMs, 'p99'),
          percentile(tool.durationMs, 'max'),
        ]),
        header,
      ),
    );
  }
  if (stats.models.length > 0) {
    section(
      renderTable(
        [
          { title: 'model' },
          { title: 'calls', align: 'right' },
          { title: 'input tokens', align: 'right' },
          { title: 'output tokens', align: 'right' },
          { title: 'p50', align: 'right' },
          { title: 'p95', align: 'right' },
          { title: 'p99', align: 'right' },
        ],
        stats.models.map((model) => [
          model.provider ? `${model.provider}/${model.model}` : model.model,
          formatCount(model.calls),
          formatCount(model.inputTokens),
          formatCount(model.outputTokens),
          percentile(model.durationMs, 'p50'),
          percentile(model.durationMs, 'p95'),
          percentile(model.durationMs, 'p99'),
        ]),
        header,
      ),
    );
  }
  if (
    stats.tools.some((tool) => tool.durationMs?.approximate) ||
    stats.models.some((m) => m.durationMs?.approximate)
  ) {
    out.push('', palette.dim('≈: within 1% (more durations than are kept exactly; see --json for counts)'));
  }
  return `${out.join('\n')}\n`;
}
