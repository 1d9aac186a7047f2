/** The report page's styles, inlined into it. System fonts only: nothing is fetched. */
export const PAGE_STYLE = `
:root { --ok: #2f9e44; --failed: #e03131; --warning: #f08c00; --pending: #868e96; --info: #7048e8;
  --model: #1c7ed6; --turn: #495057; --line: #dee2e6; --muted: #6c757d; --bg: #fff; --fg: #212529; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.sources { color: var(--muted); font-size: 12px; word-break: break-all; }
.counts { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 10px; }
.count { background: #f1f3f5; border-radius: 6px; padding: 6px 12px; }
.count b { font-size: 18px; display: block; }
.count.bad b { color: var(--failed); }
main { padding: 0 24px 48px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px 0; position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line); z-index: 1; }
.filters label { font-size: 13px; color: var(--muted); }
.filters select, .filters button { font: inherit; padding: 3px 8px; }
.session { margin-top: 16px; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.session-head { background: #f8f9fa; padding: 8px 12px; display: flex; gap: 16px; flex-wrap: wrap; align-items: baseline; }
.session-head h3 { margin: 0; font-size: 15px; }
.session-head span { color: var(--muted); font-size: 12px; }
.row { display: grid; grid-template-columns: minmax(280px, 34%) 1fr; align-items: center; min-height: 26px; border-top: 1px solid #f1f3f5; }
.turn-row { cursor: pointer; width: 100%; border: 0; background: none; font: inherit; text-align: left; padding: 0; }
.turn-row:hover, .call:hover { background: #f8f9fa; }
.turn-row .label::before { content: "▸"; display: inline-block; width: 14px; color: var(--muted); }
.turn.expanded > .turn-row .label::before { content: "▾"; }
.label { padding: 3px 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.label .id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.label .agent { color: var(--muted); margin-left: 8px; }
.label .badge { margin-left: 8px; font-size: 12px; color: var(--muted); }
.label .badge.bad { color: var(--failed); }
.track { position: relative; height: 18px; margin: 0 12px; }
.bar { position: absolute; top: 3px; height: 12px; min-width: 2px; border-radius: 3px; background: var(--turn); opacity: 0.85; }
.bar.tool.ok { background: var(--ok); } .bar.tool.failed { background: var(--failed); }
.bar.tool.pending { background: repeating-linear-gradient(45deg, var(--pending), var(--pending) 4px, #ced4da 4px, #ced4da 8px); }
.bar.tool.warning { background: var(--warning); }
.bar.model { background: var(--model); }
.bar.note { width: 8px; min-width: 8px; height: 8px; top: 5px; transform: rotate(45deg); border-radius: 1px; background: var(--info); }
.bar.note.failed { background: var(--failed); } .bar.note.warning { background: var(--warning); }
.children .label { padding-left: 40px; }
.call { cursor: pointer; }
.call .kind { display: inline-block; width: 44px; font-size: 11px; color: var(--muted); text-transform: uppercase; }
.call .state-failed { color: var(--failed); } .call .state-warning { color: var(--warning); } .call .state-pending { color: var(--pending); }
.call .summary { color: var(--muted); margin-left: 8px; }
.detail { padding: 4px 12px 8px 56px; font-size: 12px; background: #f8f9fa; border-top: 1px solid #f1f3f5; }
.detail dt { color: var(--muted); float: left; clear: left; width: 150px; }
.detail dd { margin: 0 0 2px 156px; white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, Menlo, Consolas, monospace; }
.turn-text { padding: 4px 12px 6px 40px; font-size: 12px; color: var(--muted); white-space: pre-wrap; }
.latency-chart text { font-size: 12px; fill: var(--fg); } .latency-chart .axis { fill: var(--muted); font-size: 11px; }
.latency-chart .p95 { fill: #a5d8ff; } .latency-chart .p50 { fill: #1c7ed6; } .latency-chart .p99 { stroke: #0b3d6e; stroke-width: 2; }
.latency-chart .tick { stroke: var(--line); } .latency-chart .has-failures { fill: var(--failed); }
.problems { list-style: none; padding: 0; margin: 0; }
.problem { border-left: 3px solid var(--failed); padding: 6px 12px; margin: 8px 0; background: #fff5f5; }
.problem.warning { border-color: var(--warning); background: #fff9db; }
.problem .where { color: var(--muted); font-size: 12px; }
.problem .message { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.problem dl { margin: 4px 0 0; font-size: 12px; }
.problem dt { color: var(--muted); float: left; clear: left; width: 110px; }
.problem dd { margin: 0 0 2px 116px; white-space: pre-wrap; word-break: break-word; }
.empty { color: var(--muted); }
`;
