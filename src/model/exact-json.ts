/**
 * JSON for Kubernetes objects read from YAML, where an integer beyond 2^53 is a BigInt (kubectl keeps every
 * int64 exact). `stringifyJson` writes BigInts as plain digits; use it wherever an object leaves devloop (the
 * apply body, `ci --dry-run -o json`). Elsewhere a plain JSON.stringify (hashes, comparisons) must not throw on
 * such an object, so BigInt gets a toJSON that writes its digits as a string: stable, never sent anywhere.
 */

declare global {
  interface BigInt {
    toJSON?(): string;
  }
}
if (typeof BigInt.prototype.toJSON !== 'function') {
  Object.defineProperty(BigInt.prototype, 'toJSON', {
    value(this: bigint) {
      return this.toString();
    },
    writable: true,
    configurable: true,
  });
}

/** Like JSON.stringify(value, null, indent) for plain data, with BigInts written as JSON numbers. */
export function stringifyJson(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const write = (v: unknown, depth: string): string | undefined => {
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'number' && !Number.isFinite(v)) return 'null';
      return JSON.stringify(v);
    }
    const inner = depth + pad;
    const nl = indent ? `\n${inner}` : '';
    const end = indent ? `\n${depth}` : '';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${nl}${v.map((x) => write(x, inner) ?? 'null').join(`,${nl}`)}${end}]`;
    }
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      const s = write(x, inner);
      if (s !== undefined) parts.push(`${JSON.stringify(k)}:${indent ? ' ' : ''}${s}`);
    }
    if (parts.length === 0) return '{}';
    return `{${nl}${parts.join(`,${nl}`)}${end}}`;
  };
  return write(value, '') ?? 'null';
}
