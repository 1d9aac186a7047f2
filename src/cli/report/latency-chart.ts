/**
 * The per-tool latency chart of the report, drawn as plain SVG (no chart library: a row of
 * bars per tool is a few rectangles): p50 dark, p95 light behind it, p99 a tick, on one
 * linear scale; each row labelled with its figures, call count and failures.
 */
import { formatMs } from '../output/units.js';
import { escapeHtml } from './escape.js';
import type { ToolLatency } from './report-data.js';

const ROW = 28;
const LABEL = 170;
const BARS = 360;
const TEXT = 420;
const TOP = 24;

export function latencyChartSvg(latency: readonly ToolLatency[]): string {
  if (latency.length === 0) return '<p class="empty">No tool calls.</p>';
  const scaleMax = Math.max(...latency.map((tool) => tool.p99 ?? tool.max ?? 0), 0);
  const x = (ms: number | null) => (ms === null || scaleMax === 0 ? 0 : (ms / scaleMax) * BARS);
  const width = LABEL + BARS + TEXT;
  const height = TOP + latency.length * ROW + 8;
  const rows = latency.map((tool, index) => {
    const y = TOP + index * ROW;
    const name = tool.tool.length > 24 ? `${tool.tool.slice(0, 23)}…` : tool.tool;
    const figures =
      tool.p50 === null
        ? 'no durations'
        : `p50 ${formatMs(tool.p50)} · p95 ${formatMs(tool.p95 ?? 0)} · p99 ${formatMs(tool.p99 ?? 0)}`;
    const calls = `${tool.calls} call${tool.calls === 1 ? '' : 's'}${tool.failed > 0 ? `, ${tool.failed} failed` : ''}`;
    const bars =
      tool.p50 === null
        ? ''
        : [
            `<rect class="p95" x="${LABEL}" y="${y + 6}" width="${x(tool.p95).toFixed(1)}" height="14"/>`,
            `<rect class="p50" x="${LABEL}" y="${y + 6}" width="${x(tool.p50).toFixed(1)}" height="14"/>`,
            `<line class="p99" x1="${(LABEL + x(tool.p99)).toFixed(1)}" x2="${(LABEL + x(tool.p99)).toFixed(1)}" y1="${y + 3}" y2="${y + 23}"/>`,
          ].join('');
    return [
      `<g class="tool-latency" data-tool="${escapeHtml(tool.tool)}">`,
      `<title>${escapeHtml(`${tool.tool}: ${figures} (${calls})`)}</title>`,
      `<text class="name" x="${LABEL - 8}" y="${y + 18}" text-anchor="end">${escapeHtml(name)}</text>`,
      bars,
      `<text class="figures${tool.failed > 0 ? ' has-failures' : ''}" x="${LABEL + BARS + 8}" y="${y + 18}">${escapeHtml(`${figures} (${calls})`)}</text>`,
      '</g>',
    ].join('');
  });
  const ticks = [0, 0.5, 1].map((share) => {
    const tx = LABEL + share * BARS;
    return `<line class="tick" x1="${tx}" x2="${tx}" y1="${TOP - 4}" y2="${height - 8}"/><text class="axis" x="${tx}" y="${TOP - 8}" text-anchor="middle">${escapeHtml(formatMs(share * scaleMax))}</text>`;
  });
  return [
    `<svg class="latency-chart" role="img" aria-label="tool latency: p50, p95 and p99 per tool" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    ...ticks,
    ...rows,
    '</svg>',
  ].join('');
}
