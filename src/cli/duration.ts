import { DevloopError } from '../model/errors.js';

/** "30m", "90s", "1h30m", "500ms", "0" -> milliseconds (0 = no limit). */
export function parseDuration(s: string): number {
  if (s.trim() === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = '';
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0];
  }
  if (!consumed || consumed !== s.trim())
    throw new DevloopError('bad-duration', `'${s}' is not a duration`, { hint: 'write e.g. 90s, 10m, 1h30m, or 0 for no limit' });
  return total;
}
