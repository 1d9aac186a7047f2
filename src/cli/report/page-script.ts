/**
 * The report page's script, inlined into it: it reads the embedded JSON and draws the
 * timeline (sessions → turns → tool calls, model calls, notes) with the filters, and the
 * list of failures and errors. Every text from the trail goes in through `textContent`,
 * never as HTML, so a tool's output cannot inject markup into the page. Turns are drawn
 * closed; a turn's rows are built when it is first opened, so a long trail opens fast.
 * Plain ES2020 in a string (this file is not type-checked as browser code; the report
 * tests run it in Chromium).
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('trail-data').textContent);
  var state = { agent: '', tool: '', type: '', expanded: new Set(), open: new Set() };
  var timeline = document.getElementById('timeline');
  var problemList = document.getElementById('problems');

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function ms(value) {
    if (value === null || value === undefined) return '';
    if (value < 1) return value.toFixed(2) + ' ms';
    if (value < 1000) return value.toFixed(1) + ' ms';
    if (value < 60000) return (value / 1000).toFixed(2) + ' s';
    return Math.floor(value / 60000) + ' min ' + Math.round((value % 60000) / 1000) + ' s';
  }
  function clock(offsetMs) {
    if (offsetMs === null || data.origin === null) return '';
    var base = Date.parse(data.origin.slice(0, 23) + 'Z');
    return new Date(base + offsetMs).toISOString().slice(11, 23);
  }
  function place(bar, start, end, from, to) {
    var span = to - from;
    if (start === null || span <= 0) { bar.style.left = '0%'; bar.style.width = '100%'; return; }
    var left = ((start - from) / span) * 100;
    var right = end === null ? left : ((end - from) / span) * 100;
    bar.style.left = Math.max(0, Math.min(100, left)).toFixed(3) + '%';
    bar.style.width = Math.max(0, Math.min(100, right) - Math.max(0, left)).toFixed(3) + '%';
  }
  function itemVisible(item) {
    if (state.tool && !(item.kind === 'tool' && item.name === state.tool)) return false;
    if (state.type && state.type !== 'turn_start' && state.type !== 'turn_end' && item.types.indexOf(state.type) < 0) return false;
    return true;
  }
  function turnVisible(turn) {
    if (state.agent && turn.agent !== state.agent) return false;
    if (state.type && turn.types.indexOf(state.type) < 0) return false;
    if (state.tool && !turn.items.some(function (item) { return item.kind === 'tool' && item.name === state.tool; })) return false;
    return true;
  }
  function turnKey(session, turn) { return String(session.id) + '\u0000' + String(turn.id); }

  function detailList(pairs, className) {
    var list = el('dl', className);
    pairs.forEach(function (pair) { list.appendChild(el('dt', '', pair[0])); list.appendChild(el('dd', '', pair[1])); });
    return list;
  }

  function renderItem(item, turn, from, to, key) {
    var row = el('div', 'row call');
    row.dataset.kind = item.kind;
    row.dataset.types = item.types.join(' ');
    row.dataset.name = item.name;
    var label = el('div', 'label');
    label.appendChild(el('span', 'kind', item.kind === 'note' ? 'event' : item.kind));
    label.appendChild(el('span', 'name state-' + item.state, item.name));
    if (item.durationMs !== null) label.appendChild(el('span', 'summary', ms(item.durationMs)));
    if (item.summary) label.appendChild(el('span', 'summary', item.summary));
    label.title = item.name + (item.summary ? ' - ' + item.summary : '');
    var track = el('div', 'track');
    var bar = el('div', 'bar ' + item.kind + ' ' + item.state);
    place(bar, item.start, item.end, from, to);
    track.appendChild(bar);
    row.appendChild(label);
    row.appendChild(track);
    var wrap = el('div', 'item');
    wrap.appendChild(row);
    var openKey = key + '\u0000' + item.at + '\u0000' + item.name;
    function drawDetail() {
      var old = wrap.querySelector('.detail');
      if (old) old.remove();
      if (!state.open.has(openKey)) return;
      var pairs = item.details.slice();
      if (item.at) pairs.push(['record', item.at]);
      var box = el('div', 'detail');
      box.appendChild(detailList(pairs, ''));
      wrap.appendChild(box);
    }
    row.addEventListener('click', function () {
      if (state.open.has(openKey)) state.open.delete(openKey); else state.open.add(openKey);
      drawDetail();
    });
    drawDetail();
    return wrap;
  }

  function renderTurn(session, turn) {
    var key = turnKey(session, turn);
    var box = el('div', turn.id === null ? 'turn loose' : 'turn');
    box.dataset.turnId = turn.id === null ? '' : turn.id;
    box.dataset.agent = turn.agent || '';
    var tools = turn.items.filter(function (item) { return item.kind === 'tool'; });
    var failed = tools.filter(function (item) { return item.state === 'failed'; }).length;
    var models = turn.items.filter(function (item) { return item.kind === 'model'; }).length;
    var button = el('button', 'row turn-row');
    button.type = 'button';
    button.setAttribute('aria-expanded', state.expanded.has(key) ? 'true' : 'false');
    var label = el('div', 'label');
    label.appendChild(el('span', 'id', turn.id === null ? '(no turn)' : turn.id));
    if (turn.agent) label.appendChild(el('span', 'agent', turn.agent));
    label.appendChild(el('span', 'badge', tools.length + ' tool call' + (tools.length === 1 ? '' : 's')));
    if (failed) label.appendChild(el('span', 'badge bad', failed + ' failed'));
    if (models) label.appendChild(el('span', 'badge', models + ' model call' + (models === 1 ? '' : 's')));
    if (turn.start !== null && turn.end !== null) label.appendChild(el('span', 'badge', ms(turn.end - turn.start)));
    label.title = turn.prompt || '';
    var track = el('div', 'track');
    var bar = el('div', 'bar turn-bar');
    place(bar, turn.start, turn.end, session.start, session.end);
    track.appendChild(bar);
    button.appendChild(label);
    button.appendChild(track);
    box.appendChild(button);
    if (state.expanded.has(key)) {
      box.classList.add('expanded');
      var children = el('div', 'children');
      if (turn.prompt) children.appendChild(el('div', 'turn-text', 'prompt: ' + turn.prompt));
      var from = turn.start, to = turn.end;
      turn.items.forEach(function (item) {
        if (item.start !== null && (from === null || item.start < from)) from = item.start;
        if (item.end !== null && (to === null || item.end > to)) to = item.end;
      });
      turn.items.filter(itemVisible).forEach(function (item) { children.appendChild(renderItem(item, turn, from, to, key)); });
      if (turn.content) children.appendChild(el('div', 'turn-text', 'answer: ' + turn.content));
      box.appendChild(children);
    }
    button.addEventListener('click', function () {
      if (state.expanded.has(key)) state.expanded.delete(key); else state.expanded.add(key);
      box.replaceWith(renderTurn(session, turn));
    });
    return box;
  }

  function renderSession(session) {
    var turns = session.turns.filter(turnVisible);
    if (turns.length === 0) return null;
    var box = el('section', 'session');
    box.dataset.sessionId = session.id === null ? '' : session.id;
    var head = el('div', 'session-head');
    head.appendChild(el('h3', '', 'session ' + (session.id === null ? '(none)' : session.id)));
    if (session.start !== null) head.appendChild(el('span', '', clock(session.start) + ' UTC, ' + ms(session.end - session.start)));
    head.appendChild(el('span', '', session.turns.filter(function (t) { return t.id !== null; }).length + ' turns'));
    if (session.agents.length) head.appendChild(el('span', '', 'agents: ' + session.agents.join(', ')));
    box.appendChild(head);
    turns.forEach(function (turn) { box.appendChild(renderTurn(session, turn)); });
    return box;
  }

  function renderTimeline() {
    var nodes = data.sessions.map(renderSession).filter(Boolean);
    timeline.replaceChildren.apply(timeline, nodes.length ? nodes : [el('p', 'empty', 'Nothing matches the filters.')]);
  }

  function renderProblems() {
    var shown = data.problems.filter(function (p) {
      return (!state.agent || p.agent === state.agent) && (!state.tool || p.tool === state.tool) && (!state.type || p.kind === state.type);
    });
    var nodes = shown.map(function (p) {
      var item = el('li', 'problem' + (p.severity === 'warning' ? ' warning' : ''));
      item.dataset.kind = p.kind;
      item.appendChild(el('b', '', p.title));
      var where = [clock(p.time), p.agent ? 'agent ' + p.agent : '', p.turn ? 'turn ' + p.turn : '', p.session ? 'session ' + p.session : '', p.at || ''];
      item.appendChild(el('div', 'where', where.filter(Boolean).join(' · ')));
      if (p.message) item.appendChild(el('div', 'message', p.message));
      if (p.context.length) item.appendChild(detailList(p.context, ''));
      return item;
    });
    problemList.replaceChildren.apply(problemList, nodes.length ? nodes : [el('li', 'empty', 'No failures or errors.')]);
  }

  function fill(select, values) {
    values.forEach(function (value) { var option = el('option', '', value); option.value = value; select.appendChild(option); });
    select.addEventListener('change', function () { state[select.name] = select.value; renderTimeline(); renderProblems(); });
  }
  fill(document.getElementById('filter-agent'), data.agents);
  fill(document.getElementById('filter-tool'), data.tools);
  fill(document.getElementById('filter-type'), data.types);
  document.getElementById('expand-all').addEventListener('click', function () {
    data.sessions.forEach(function (s) { s.turns.forEach(function (t) { state.expanded.add(turnKey(s, t)); }); });
    renderTimeline();
  });
  document.getElementById('collapse-all').addEventListener('click', function () { state.expanded.clear(); renderTimeline(); });
  renderTimeline();
  renderProblems();
  document.body.dataset.ready = 'true';
})();
`;
