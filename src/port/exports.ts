/** The names devloop's config API exports ('devloop' in devloop.ts), with each function's parameter count. */
import * as api from '../config/api.js';

export function devloopExports(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, v] of Object.entries(api)) {
    if (typeof v === 'function') out.set(name, v.length);
    else if (typeof v === 'string') out.set(name, 0);
    else if (typeof v === 'object' && v !== null) out.set(name, 0); // a namespace such as config
  }
  return out;
}
