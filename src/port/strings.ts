/**
 * Starlark string literals and string formatting ('{}'.format(...), '%s' % x) as TypeScript: quoted strings,
 * and template literals for multi-line text and formatting.
 */

export class Untranslatable extends Error {
  constructor(
    readonly reason: string,
    readonly from?: number,
  ) {
    super(reason);
  }
}

/** The value of a Starlark string literal (its source text), escapes decoded. */
export function stringValue(literal: string): string {
  const m = /^([rRbBuU]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(literal);
  if (!m) throw new Untranslatable(`a string literal I cannot read: ${literal.slice(0, 30)}`);
  const [, prefix, , body] = m;
  if (/[bB]/.test(prefix)) throw new Untranslatable('a bytes literal (b"...")');
  if (/[rR]/.test(prefix)) return body;
  return body.replace(/\\(\r?\n|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e === '\n' || e === '\r\n') return '';
    if (e[0] === 'x' || e[0] === 'u' || e[0] === 'U') return e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : `\\${e}`;
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };
    return simple[e] ?? `\\${e}`;
  });
}

/** A string value as a TypeScript literal: '...' on one line, a template literal when it spans lines. */
export function jsString(value: string, multiline = false): string {
  if (multiline && value.includes('\n') && !/[\r\u2028\u2029]/.test(value)) return `\`${templateText(value)}\``;
  let out = "'";
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

function templateText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

/** Builds a template literal from text pieces and expressions (JS source), in order. */
export function template(parts: Array<{ text: string } | { code: string }>): string {
  let out = '`';
  for (const p of parts) out += 'text' in p ? templateText(p.text) : `\${${p.code}}`;
  return `${out}\``;
}

/** '{} and {name}'.format(a, name=b) as a template literal; args are JS source. */
export function formatMethod(fmt: string, args: string[], kwargs: Map<string, string>): string {
  const parts: Array<{ text: string } | { code: string }> = [];
  let auto = 0;
  let text = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if ((ch === '{' || ch === '}') && fmt[i + 1] === ch) {
      text += ch;
      i++;
      continue;
    }
    if (ch === '}') throw new Untranslatable("a single '}' in a .format() string");
    if (ch !== '{') {
      text += ch;
      continue;
    }
    const end = fmt.indexOf('}', i);
    if (end < 0) throw new Untranslatable("an unclosed '{' in a .format() string");
    const field = fmt.slice(i + 1, end);
    if (/[:!]/.test(field)) throw new Untranslatable(`a .format() field with a conversion or format spec: {${field}}`);
    let code: string | undefined;
    if (field === '') code = args[auto++];
    else if (/^\d+$/.test(field)) code = args[Number(field)];
    else code = kwargs.get(field);
    if (code === undefined) throw new Untranslatable(`a .format() field {${field}} with no matching argument`);
    if (text) parts.push({ text });
    text = '';
    parts.push({ code });
    i = end;
  }
  if (text) parts.push({ text });
  return template(parts);
}

/** 'fmt %s %d' % (a, b) as a template literal; args are JS source. */
export function percentFormat(fmt: string, args: string[]): string {
  const parts: Array<{ text: string } | { code: string }> = [];
  let text = '';
  let n = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%') {
      text += ch;
      continue;
    }
    const c = fmt[i + 1];
    if (c === '%') {
      text += '%';
      i++;
      continue;
    }
    if (!c || !'sdir'.includes(c)) throw new Untranslatable(`a '%' format other than %s, %d, %i, %r: %${fmt.slice(i + 1, i + 4)}`);
    const code = args[n++];
    if (code === undefined) throw new Untranslatable("more '%' placeholders than values");
    if (text) parts.push({ text });
    text = '';
    parts.push({ code: c === 'r' ? `JSON.stringify(${code})` : code });
    i++;
  }
  if (n !== args.length) throw new Untranslatable("fewer '%' placeholders than values");
  if (text) parts.push({ text });
  return template(parts);
}
