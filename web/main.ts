/** The web UI: wires the model to the page. Everything updates from the event stream; nothing polls. */
import { followEvents, getResources, setMode, trigger } from './api.js';
import { matcher, VirtualList, type LogEntry, type LogFilter } from './logs.js';
import { Model } from './state.js';
import { esc, renderConfigError, renderDetail, renderList } from './view.js';

const m = new Model();
const STAR_KEY = 'devloop.starred';
const starred = new Set<string>(JSON.parse(localStorage.getItem(STAR_KEY) ?? '[]'));
const collapsed = new Set<string>();
let selected: string | undefined;
const filter: LogFilter = { text: '', regex: false, source: '', level: '' };

const app = document.getElementById('app')!;
app.innerHTML = `
<header><b>devloop</b> <span id="project"></span> <span id="conn" class="conn">connecting…</span></header>
<div id="config-error"></div>
<main>
  <aside><input id="name-filter" placeholder="filter resources" autocomplete="off"><div id="groups"></div></aside>
  <section>
    <div id="detail"></div>
    <div class="log-bar">
      <button id="all-logs">all resources</button>
      <input id="log-filter" placeholder="filter logs" autocomplete="off">
      <label><input type="checkbox" id="log-regex"> regex</label>
      <select id="log-source"><option value="">build + runtime</option><option value="build">build</option><option value="runtime">runtime</option><option value="system">devloop</option></select>
      <select id="log-level"><option value="">all levels</option><option value="warn">warnings+</option><option value="error">errors</option></select>
      <label><input type="checkbox" id="log-follow" checked> follow</label>
      <span id="log-note"></span>
    </div>
    <div id="log" class="log"></div>
  </section>
</main>`;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = new VirtualList($('log'), () => selected === undefined);
$('log').addEventListener('follow', (e) => {
  $<HTMLInputElement>('log-follow').checked = (e as CustomEvent).detail;
});

let match = matcher(filter) as (e: LogEntry) => boolean;
let view: LogEntry[] = [];
/** How far into the source list `view` has looked (by seq), so new lines are filtered once. */
let seenSeq = 0;

function rebuildLogs(): void {
  const m2 = matcher({ ...filter, resource: selected });
  $('log-note').textContent = typeof m2 === 'string' ? m2 : '';
  if (typeof m2 === 'string') return;
  match = m2;
  const src = m.logs.lines(selected);
  view = src.filter(match);
  seenSeq = src.at(-1)?.seq ?? 0;
  list.set(view);
}

function appendLogs(): void {
  const src = m.logs.lines(selected);
  // New lines since the last draw, found from the end.
  let i = src.length;
  while (i > 0 && src[i - 1].seq > seenSeq) i--;
  for (let j = i; j < src.length; j++) if (match(src[j])) view.push(src[j]);
  seenSeq = src.at(-1)?.seq ?? seenSeq;
  const cap = selected === undefined ? 50_000 : 5000;
  if (view.length > cap + cap / 10) view.splice(0, view.length - cap);
  list.set(view);
  $('log-note').textContent = m.droppedEvents ? `${m.droppedEvents} events dropped: the page was slower than the engine` : '';
}

let frame = 0;
const dirty = { resources: false, logs: false };
function schedule(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (dirty.resources) render();
    if (dirty.logs) appendLogs();
    dirty.resources = dirty.logs = false;
  });
}

function render(): void {
  $('project').textContent = m.configFile;
  $('config-error').innerHTML = renderConfigError(m.configError, m.configWarnings);
  $('groups').innerHTML = renderList(m, $<HTMLInputElement>('name-filter').value, starred, collapsed, selected);
  $('detail').innerHTML = renderDetail(selected ? m.resources.get(selected) : undefined);
  document.title = `${[...m.resources.values()].filter((r) => r.phase === 'failed').length ? '✗ ' : ''}devloop`;
}

// A fresh view of pods, endpoints and restarts after a status change: at most one request at a time, only on events.
let refetching = false;
let again = false;
async function refetch(): Promise<void> {
  if (refetching) {
    again = true;
    return;
  }
  refetching = true;
  try {
    m.snapshot(await getResources());
    dirty.resources = true;
    schedule();
  } catch {
    // The stream's reconnect shows the state.
  } finally {
    refetching = false;
    if (again) {
      again = false;
      setTimeout(refetch, 250);
    }
  }
}

document.addEventListener('click', (ev) => {
  const t = (ev.target as HTMLElement).closest<HTMLElement>('[data-trigger],[data-mode],[data-star],[data-toggle],[data-resource],#all-logs');
  if (!t) return;
  if (t.dataset.trigger) {
    const name = t.dataset.trigger;
    void trigger(name).then((err) => {
      if (err) alert(err);
    });
  } else if (t.dataset.mode) {
    // The switch's answer is the change: the view is read again once (no event says it).
    void setMode(t.dataset.mode, t.dataset.to as 'auto' | 'manual').then((err) => {
      if (err) alert(err);
      else void refetch();
    });
  } else if (t.dataset.star) {
    const n = t.dataset.star;
    if (starred.has(n)) starred.delete(n);
    else starred.add(n);
    localStorage.setItem(STAR_KEY, JSON.stringify([...starred]));
    render();
  } else if (t.dataset.toggle) {
    const g = t.dataset.toggle;
    if (collapsed.has(g)) collapsed.delete(g);
    else collapsed.add(g);
    render();
  } else if (t.id === 'all-logs') {
    selected = undefined;
    render();
    rebuildLogs();
  } else if (t.dataset.resource) {
    selected = t.dataset.resource;
    render();
    rebuildLogs();
  }
});
$('name-filter').addEventListener('input', render);
const onFilter = () => {
  filter.text = $<HTMLInputElement>('log-filter').value;
  filter.regex = $<HTMLInputElement>('log-regex').checked;
  filter.source = $<HTMLSelectElement>('log-source').value as LogFilter['source'];
  filter.level = $<HTMLSelectElement>('log-level').value as LogFilter['level'];
  rebuildLogs();
};
for (const id of ['log-filter', 'log-regex', 'log-source', 'log-level']) $(id).addEventListener('input', onFilter);
$('log-follow').addEventListener('change', () => {
  list.follow = $<HTMLInputElement>('log-follow').checked;
  list.draw();
});

async function boot(): Promise<void> {
  const snap = await getResources();
  m.snapshot(snap);
  render();
  performance.mark('devloop-resources');
  document.body.dataset.ready = '1';
  // What the bench and tests read (nothing secret: the page's own counts).
  (window as unknown as { devloopStats: () => object }).devloopStats = () => ({
    lines: m.logs.received,
    kept: m.logs.all.length,
    dropped: m.droppedEvents,
    resources: m.resources.size,
  });
  followEvents(
    0,
    (events) => {
      const c = m.apply(events);
      dirty.resources ||= c.resources;
      dirty.logs ||= c.logs;
      if (c.refetch) void refetch();
      schedule();
    },
    (up) => {
      const el = $('conn');
      el.textContent = up ? 'live' : 'disconnected: reconnecting…';
      el.className = `conn ${up ? 'up' : 'down'}`;
    },
  );
}

boot().catch((e) => {
  app.innerHTML = `<p class="config-error">devloop's web UI could not load: ${esc(String(e))}</p>`;
});
