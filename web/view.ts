/** The resource list (grouped by label, collapsible, filtered, starred) and the selected resource's details, as HTML. */
import type { ErrorView } from './api.js';
import { displayStatus, type Model, type Res } from './state.js';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function time(at?: number): string {
  return at ? new Date(at).toLocaleTimeString([], { hour12: false }) : '—';
}

export function ms(n?: number): string {
  if (n === undefined) return '';
  return n < 1000 ? `${Math.round(n)} ms` : n < 60_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.floor(n / 60_000)}m${Math.round((n % 60_000) / 1000)}s`;
}

function safeUrl(u: string): string | undefined {
  return /^https?:\/\//i.test(u) ? u : undefined;
}

function endpoints(r: Res): string {
  const all = [...r.endpoints, ...r.links];
  return all
    .map((u) => {
      const url = safeUrl(u);
      return url ? `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(url.replace(/^https?:\/\//, ''))}</a>` : esc(u);
    })
    .join(' ');
}

function row(r: Res, starred: boolean, selected: boolean): string {
  const st = displayStatus(r);
  const pod = r.pods.find((p) => p.phase === 'Running') ?? r.pods[0];
  return `<div class="res${selected ? ' selected' : ''}" data-resource="${esc(r.name)}">
<button class="star${starred ? ' on' : ''}" data-star="${esc(r.name)}" title="star">${starred ? '★' : '☆'}</button>
<span class="name" title="${esc(r.reason)}">${esc(r.name)}</span>
<span class="status st-${st.key}" data-status="${st.key}" title="${esc(r.reason)}">${esc(st.text)}</span>
<span class="type">${esc(r.type)}</span>
<button class="mode" data-mode="${esc(r.name)}" data-to="${r.triggerMode === 'auto' ? 'manual' : 'auto'}" title="trigger mode: click to switch to ${r.triggerMode === 'auto' ? 'manual' : 'auto'}">${esc(r.triggerMode)}${r.pendingFiles.length ? ` · ${r.pendingFiles.length}` : ''}</button>
<span class="updated" title="last update and its duration">${time(r.lastUpdateAt ?? r.readySince)}${r.lastDurationMs !== undefined ? ` · ${ms(r.lastDurationMs)}` : ''}</span>
<span class="pod">${pod ? esc(pod.name) : ''}${r.restarts ? ` <span class="restarts">↻${r.restarts}</span>` : ''}</span>
<span class="links">${endpoints(r)}</span>
<button class="trigger" data-trigger="${esc(r.name)}" title="update now">⟳</button>
</div>`;
}

/** Groups by label (a resource in each of its labels; none: 'unlabeled'), starred ones first in their own group. */
export function renderList(m: Model, filter: string, starred: Set<string>, collapsed: Set<string>, selected?: string): string {
  const f = filter.toLowerCase();
  const shown = [...m.resources.values()].filter((r) => r.name.toLowerCase().includes(f)).sort((a, b) => a.name.localeCompare(b.name));
  const groups = new Map<string, Res[]>();
  const star = shown.filter((r) => starred.has(r.name));
  if (star.length) groups.set('★ starred', star);
  const labelled = new Map<string, Res[]>();
  for (const r of shown) for (const l of r.labels.length ? r.labels : ['unlabeled']) labelled.set(l, [...(labelled.get(l) ?? []), r]);
  for (const k of [...labelled.keys()].sort((a, b) => (a === 'unlabeled' ? 1 : b === 'unlabeled' ? -1 : a.localeCompare(b)))) groups.set(k, labelled.get(k)!);
  let html = '';
  for (const [g, rs] of groups) {
    const closed = collapsed.has(g);
    const bad = rs.filter((r) => r.phase === 'failed').length;
    html += `<div class="group" data-group="${esc(g)}"><button class="group-head" data-toggle="${esc(g)}">${closed ? '▸' : '▾'} ${esc(g)} <span class="count">${rs.length}${bad ? ` · <span class="bad">${bad} failed</span>` : ''}</span></button>`;
    if (!closed) html += rs.map((r) => row(r, starred.has(r.name), r.name === selected)).join('');
    html += '</div>';
  }
  return html || '<p class="empty">No resources match.</p>';
}

export function renderConfigError(e?: ErrorView, warnings: string[] = []): string {
  let html = '';
  if (e) {
    html += `<div class="config-error"><b>Config error</b>${e.where ? ` at <code class="where">${esc(e.where)}</code>` : ''}: <span class="msg">${esc(e.message)}</span>${e.hint ? `<div class="hint">hint: ${esc(e.hint)}</div>` : ''}<div class="note">devloop keeps running the last good config.</div></div>`;
  }
  for (const w of warnings) html += `<div class="config-warning">warning: ${esc(w)}</div>`;
  return html;
}

export function renderDetail(r?: Res): string {
  if (!r) return '<p class="hint">All resources. Select a resource for its logs, builds and pods.</p>';
  const st = displayStatus(r);
  let html = `<h2>${esc(r.name)} <span class="status st-${st.key}">${esc(st.text)}</span></h2><div class="why">why: ${esc(r.reason)}</div>`;
  if (r.error)
    html += `<div class="res-error">${r.error.where ? `<code>${esc(r.error.where)}</code> ` : ''}${esc(r.error.message)}${r.error.hint ? `<div class="hint">hint: ${esc(r.error.hint)}</div>` : ''}</div>`;
  if (r.pendingFiles.length) html += `<div class="pending">waiting for a trigger: ${r.pendingFiles.map(esc).join(', ')}</div>`;
  if (r.pods.length)
    html += `<div class="pods">pods: ${r.pods.map((p) => `${esc(p.name)} (${esc(p.phase)}${p.ready ? ', ready' : ''}${p.restarts ? `, ${p.restarts} restarts` : ''})`).join('; ')}</div>`;
  const builds = r.builds.slice(-5).reverse();
  if (builds.length) {
    html += '<h3>Builds</h3><ul class="builds">';
    for (const b of builds) {
      html += `<li class="build"><span>${time(b.startedAt)}</span> ${esc(b.reason)} · ${b.endedAt ? `${ms(b.endedAt - b.startedAt)} · ${esc(b.result ?? '')}` : 'running'}${b.cachedSteps ? ` · ${b.cachedSteps} cached` : ''}`;
      if (b.steps.length)
        html += `<ol>${b.steps.map((s) => `<li class="step">${esc(s.kind)} ${esc(s.image)} ${s.kind === 'build' ? `step ${s.step}/${s.total}` : ''} <b>${s.ms === undefined ? '…' : ms(s.ms)}</b></li>`).join('')}</ol>`;
      html += '</li>';
    }
    html += '</ul>';
  }
  const lives = r.lives.slice(-5).reverse();
  if (lives.length) {
    html += '<h3>Live updates</h3><ul class="lives">';
    for (const l of lives)
      html += `<li class="live${l.ok ? '' : ' bad'}">${time(l.at)} · ${l.files} file(s) synced${l.deleted ? `, ${l.deleted} deleted` : ''}${l.runs.length ? ` · ran ${l.runs.map((x) => `<code>${esc(x)}</code>`).join(', ')}` : ''} · <b>${ms(l.ms)}</b>${l.ok ? '' : ' · failed'}</li>`;
    html += '</ul>';
  }
  return html;
}
