/**
 * The report: one self-contained HTML file. The trail's data is embedded as JSON in a
 * `<script type="application/json">`, the page's script and styles are inline, the latency
 * chart is inline SVG, and a Content-Security-Policy forbids every fetch, so the file
 * opens offline, from disk or an attachment, and shows the same thing years later.
 */
import { formatCount } from '../output/units.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { latencyChartSvg } from './latency-chart.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { ReportData } from './report-data.js';

/** Nothing may be loaded: inline script and styles only, images only as data: URLs. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function count(label: string, value: number, id: string, bad = false): string {
  return `<div class="count${bad && value > 0 ? ' bad' : ''}" data-count="${id}"><b>${formatCount(value)}</b>${escapeHtml(label)}</div>`;
}

export function renderReport(data: ReportData): string {
  const c = data.counts;
  const sources = data.sources.map(escapeHtml).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<title>${escapeHtml(data.title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<div class="sources">${sources} · ${formatCount(data.records)} records${data.origin ? ` · from ${escapeHtml(data.origin)}` : ''}${data.tornLines > 0 ? ` · ${data.tornLines} torn line${data.tornLines === 1 ? '' : 's'}` : ''}</div>
<div class="counts">
${count('sessions', c.sessions, 'sessions')}
${count('turns', c.turns, 'turns')}
${count('tool calls', c.toolCalls, 'tool-calls')}
${count('model calls', c.modelCalls, 'model-calls')}
${count('failed tool calls', c.failedToolCalls, 'failed-tool-calls', true)}
${count('errors', c.errors, 'errors', true)}
</div>
</header>
<main>
<div class="filters">
<label>agent <select id="filter-agent" name="agent"><option value="">all</option></select></label>
<label>tool <select id="filter-tool" name="tool"><option value="">all</option></select></label>
<label>type <select id="filter-type" name="type"><option value="">all</option></select></label>
<button type="button" id="expand-all">expand all</button>
<button type="button" id="collapse-all">collapse all</button>
</div>
<h2>Timeline</h2>
<div id="timeline"></div>
<h2>Tool latency</h2>
${latencyChartSvg(data.latency)}
<h2>Failures and errors</h2>
<ol id="problems" class="problems"></ol>
</main>
<script type="application/json" id="trail-data">${jsonForScript(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
