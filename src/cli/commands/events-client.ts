/** Reads the running `up`'s events: what is kept (GET /api/history), or kept then live (GET /api/events, server-sent events). */
import { DevloopError } from '../../model/errors.js';
import type { ControlInfo } from '../../engine/control-file.js';
import type { EngineEvent } from '../../engine/events.js';
import { call, refused } from './control.js';

/** An event as the control API sends it: the engine's event with its sequence number and time. */
export type WireEvent = { seq: number; at: number } & (EngineEvent | { type: 'dropped'; count: number });

export async function history(info: ControlInfo & { token: string }, since = 0): Promise<{ last: number; events: WireEvent[] }> {
  const r = await call(info, 'GET', `/api/history?since=${since}`);
  refused(r, info);
  return r.body;
}

/** Calls `on` for every event after `since` until the stream ends (`up` stopped) or `signal` aborts. */
export async function follow(
  info: ControlInfo & { token: string },
  since: number,
  on: (e: WireEvent) => void,
  signal: AbortSignal,
): Promise<'ended' | 'aborted'> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${info.port}/api/events?since=${since}`, { headers: { authorization: `Bearer ${info.token}` }, signal });
  } catch (e) {
    if (signal.aborted) return 'aborted';
    throw new DevloopError('not-running', `devloop up (pid ${info.pid}) does not answer on 127.0.0.1:${info.port}`, {
      hint: 'it may have stopped; start it again with `devloop up`',
      cause: e,
    });
  }
  if (res.status !== 200) refused({ status: res.status, body: await res.json() }, info);
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let seq = 0;
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) seq = Number(line.slice(4));
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) on({ seq, ...JSON.parse(data) });
        i = buf.indexOf('\n\n');
      }
    }
  } catch {
    if (signal.aborted) return 'aborted';
    // The server closed the connection: `up` stopped.
    return 'ended';
  }
  return signal.aborted ? 'aborted' : 'ended';
}
