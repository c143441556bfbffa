/** The control API as the page uses it: the token from the page devloop served, sent as a Bearer header. */

const token = document.querySelector<HTMLMetaElement>('meta[name="devloop-token"]')?.content ?? '';
const auth = { authorization: `Bearer ${token}` };

export interface ResourceView {
  name: string;
  type: string;
  phase: string;
  reason: string;
  triggerMode: string;
  pendingFiles: string[];
  updates: number;
  readySince?: number;
  labels: string[];
  links: string[];
  endpoints: string[];
  pods: { name: string; phase: string; ready: boolean; restarts: number }[];
  restarts: number;
  error?: ErrorView;
}
export interface ErrorView {
  message: string;
  where?: string;
  hint?: string;
}
export interface Snapshot {
  configFile: string;
  configErrorDetail?: ErrorView;
  lastSeq: number;
  resources: ResourceView[];
}

/** An event of GET /api/events: the engine's event with its time, or `dropped`. */
export type StreamEvent = { seq: number; at: number; type: string } & Record<string, any>;

export async function getResources(): Promise<Snapshot> {
  const r = await fetch('/api/resources', { headers: auth });
  if (!r.ok) throw new Error(`GET /api/resources: ${r.status}`);
  return r.json();
}

export async function trigger(name: string): Promise<string | undefined> {
  const r = await fetch(`/api/trigger/${encodeURIComponent(name)}`, { method: 'POST', headers: auth });
  if (r.ok) return undefined;
  const body = await r.json().catch(() => ({}));
  return body.error ?? `HTTP ${r.status}`;
}

export async function setMode(name: string, mode: 'auto' | 'manual'): Promise<string | undefined> {
  const r = await fetch(`/api/mode/${encodeURIComponent(name)}?mode=${mode}`, { method: 'POST', headers: auth });
  if (r.ok) return undefined;
  const body = await r.json().catch(() => ({}));
  return body.error ?? `HTTP ${r.status}`;
}

/**
 * Follows GET /api/events (server-sent events read from fetch's body: EventSource cannot send the token), calling
 * `onBatch` with the events of each chunk; reconnects after the last seen id when the stream ends.
 */
export function followEvents(since: number, onBatch: (events: StreamEvent[]) => void, onState: (connected: boolean) => void): void {
  let last = since;
  const connect = async () => {
    try {
      const r = await fetch(`/api/events?since=${last}`, { headers: auth });
      if (!r.ok || !r.body) throw new Error(`GET /api/events: ${r.status}`);
      onState(true);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const end = buf.lastIndexOf('\n\n');
        if (end < 0) continue;
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const batch: StreamEvent[] = [];
        let id = 0;
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = Number(line.slice(4));
          else if (line.startsWith('data: ')) {
            const e = JSON.parse(line.slice(6));
            e.seq = id;
            if (id) last = Math.max(last, id);
            batch.push(e);
          }
        }
        if (batch.length) onBatch(batch);
      }
    } catch {
      // Reconnects below.
    }
    onState(false);
    // devloop stopped or restarted: try again after a pause (one request at a time, never a loop of reads).
    setTimeout(connect, 2000);
  };
  void connect();
}
