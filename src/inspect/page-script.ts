/**
 * The browser side of `GET /`, as text: plain JavaScript (no framework, no build step),
 * kept in its own file so that the page's HTML stays readable. It reads nothing but
 * `/events`: the first `state` event is the whole document, each `change` the new values
 * at the changed paths, each `status` the members. Values are rendered with textContent
 * only, never as HTML, so a key or string in the state cannot inject markup.
 */
export const PAGE_SCRIPT = String.raw`
'use strict';
const token = new URLSearchParams(location.search).get('token');
const q = token ? '?token=' + encodeURIComponent(token) : '';
const $ = (id) => document.getElementById(id);
const open = new Set(['']);
let doc = {};
let version = 0;
let pending = false;
const recent = [];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function setAt(root, path, has, value) {
  if (path === '') return has ? value : {};
  const keys = path.split('.');
  const top = Array.isArray(root) ? root.slice() : Object.assign({}, root);
  let node = top;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    const child = node[k];
    const copy = Array.isArray(child) ? child.slice() : (child && typeof child === 'object') ? Object.assign({}, child) : {};
    node[k] = copy;
    node = copy;
  }
  const last = keys[keys.length - 1];
  if (has) node[last] = value;
  else if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return top;
}

function leaf(value) {
  const type = value === null ? 'null' : typeof value;
  return el('span', 'v ' + type, JSON.stringify(value));
}

function tree(key, value, path) {
  if (value === null || typeof value !== 'object') {
    const row = el('div', 'row');
    row.dataset.path = path;
    if (key !== undefined) row.append(el('span', 'k', key + ': '));
    row.append(leaf(value));
    return row;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const box = el('details');
  box.dataset.path = path;
  box.open = open.has(path);
  box.addEventListener('toggle', () => (box.open ? open.add(path) : open.delete(path)));
  const summary = el('summary');
  if (key !== undefined) summary.append(el('span', 'k', key + ': '));
  summary.append(el('span', 'n', Array.isArray(value) ? '[' + entries.length + ']' : '{' + entries.length + '}'));
  box.append(summary);
  for (const [k, v] of entries) box.append(tree(k, v, path === '' ? k : path + '.' + k));
  return box;
}

function render() {
  pending = false;
  $('version').textContent = String(version);
  $('tree').replaceChildren(tree(undefined, doc, ''));
  const list = $('changes');
  list.replaceChildren(...recent.map((c) => {
    const li = el('li');
    li.append(el('span', 'ver', 'v' + c.version), el('span', 'origin', c.origin), el('span', 'paths', c.paths), el('time', '', c.time));
    return li;
  }));
}

function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(render);
  }
}

function showStatus(s) {
  $('role').textContent = s.role;
  $('host').textContent = s.hostId || '-';
  $('epoch').textContent = String(s.epoch);
  const rows = s.members.map((m) => {
    const tr = el('tr');
    tr.append(el('td', '', m.peer), el('td', '', m.peer === s.hostId ? 'host' : 'client'),
      el('td', '', m.pid === undefined ? '-' : String(m.pid)), el('td', '', m.clientOnly ? 'yes' : 'no'));
    return tr;
  });
  $('members').replaceChildren(...rows);
}

const events = new EventSource('/events' + q);
events.addEventListener('open', () => ($('live').textContent = 'live'));
events.addEventListener('error', () => ($('live').textContent = 'reconnecting'));
events.addEventListener('state', (e) => {
  const m = JSON.parse(e.data);
  doc = m.data;
  version = m.version;
  schedule();
});
events.addEventListener('change', (e) => {
  const m = JSON.parse(e.data);
  for (const c of m.changes) doc = setAt(doc, c.path, 'value' in c, c.value);
  version = m.version;
  recent.unshift({ version: m.version, origin: m.origin, paths: m.changes.map((c) => c.path || '(all)').join(', '), time: new Date().toLocaleTimeString() });
  recent.length = Math.min(recent.length, 100);
  schedule();
});
events.addEventListener('status', (e) => showStatus(JSON.parse(e.data)));
`;
