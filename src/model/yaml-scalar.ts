/**
 * How kubectl types a YAML scalar: the YAML 1.1 rules of go-yaml v2 (the parser under sigs.k8s.io/yaml),
 * then what the JSON round trip kubectl makes of them (an integer that fits int64 stays exact; anything larger,
 * or an unsigned 64-bit value, becomes a float64; NaN and infinities cannot be written as JSON).
 *
 * - Plain scalars: `~`, `null`, `Null`, `NULL` and the empty scalar are null; `y Y yes Yes YES true True TRUE
 *   on On ON` are true and `n N no No NO false False FALSE off Off OFF` false; integers are read as Go's
 *   ParseInt(base 0) reads them after removing every `_` (`0755` octal, `0o17`, `0x1F`, `0b101`, `1_000`);
 *   then decimal floats (`1.5`, `1e3`, `.5`). Sexagesimal (`190:20:30`) and timestamps stay strings.
 * - Quoted scalars are strings. Explicit tags: `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!timestamp`
 *   resolve the text and refuse what does not fit; `!!binary` is base64 decoded to a string; any other tag
 *   leaves the text as a string.
 */

export type Scalar =
  | { t: 'null' }
  | { t: 'bool'; v: boolean }
  /** Fits int64. */
  | { t: 'int'; v: bigint }
  /** An integer beyond int64 that fits uint64: kubectl reads it back as a float64. */
  | { t: 'bigint'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  /** Matches a YAML 1.1 timestamp; kubectl keeps the text. */
  | { t: 'timestamp'; v: string };

const P = 'tag:yaml.org,2002:';
const BOOL_TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const BOOL_FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const NULLS = ['', '~', 'null', 'Null', 'NULL'];
const NAN = ['.nan', '.NaN', '.NAN'];
const INF = ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'];
const NEG_INF = ['-.inf', '-.Inf', '-.INF'];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

export class ScalarError extends Error {}

/** Go's strconv.ParseInt/ParseUint with base 0: undefined when the text is not an integer. */
function parseGoInt(s: string, signed: boolean): bigint | undefined {
  let neg = false;
  let body = s;
  if (signed && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let digits = body;
  let re = /^[0-9]+$/;
  let prefix = '';
  if (/^0[xX]/.test(body)) [digits, re, prefix] = [body.slice(2), /^[0-9a-fA-F]+$/, '0x'];
  else if (/^0[oO]/.test(body)) [digits, re, prefix] = [body.slice(2), /^[0-7]+$/, '0o'];
  else if (/^0[bB]/.test(body)) [digits, re, prefix] = [body.slice(2), /^[01]+$/, '0b'];
  else if (/^0./.test(body)) [digits, re, prefix] = [body.slice(1), /^[0-7]+$/, '0o'];
  if (!re.test(digits)) return undefined;
  const v = BigInt(prefix + digits);
  return neg ? -v : v;
}

function resolveNumber(text: string): Scalar | undefined {
  const plain = text.replace(/_/g, '');
  const signed = parseGoInt(plain, true);
  if (signed !== undefined && signed >= INT64_MIN && signed <= INT64_MAX) return { t: 'int', v: signed };
  const unsigned = parseGoInt(plain, false);
  if (unsigned !== undefined && unsigned <= UINT64_MAX) return { t: 'bigint', v: unsigned };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return { t: 'float', v: f }; // Go's ParseFloat refuses what overflows
  }
  return undefined; // beyond 64 bits and not a decimal float: kubectl keeps the text
}

function lookup(text: string): Scalar | undefined {
  if (BOOL_TRUE.includes(text)) return { t: 'bool', v: true };
  if (BOOL_FALSE.includes(text)) return { t: 'bool', v: false };
  if (NULLS.includes(text)) return { t: 'null' };
  if (NAN.includes(text)) return { t: 'float', v: NaN };
  if (INF.includes(text)) return { t: 'float', v: Infinity };
  if (NEG_INF.includes(text)) return { t: 'float', v: -Infinity };
  return undefined;
}

/** go-yaml v2's timestamp formats: `2006-1-2`, `2006-1-2T15:4:5.999Z07:00` (t or T), `2006-1-2 15:4:5.999`. */
function isTimestamp(s: string): boolean {
  const m = /^(\d{4})-(\d\d?)-(\d\d?)(?:([Tt])(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)|( )(\d\d?):(\d\d?):(\d\d?)(?:\.\d+)?)?$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return false;
  const [h, mi, se] = m[4] ? [m[5], m[6], m[7]] : m[8] ? [m[9], m[10], m[11]] : ['0', '0', '0'];
  return Number(h) < 24 && Number(mi) < 60 && Number(se) < 60;
}

function resolvePlain(text: string, tag: string): Scalar {
  const first = text[0];
  const hint =
    text === '' ? 'N' : first === '+' || first === '-' ? 'S' : /[0-9]/.test(first!) ? 'D' : 'yYnNtTfFoO~'.includes(first!) ? 'M' : first === '.' ? '.' : '';
  if (hint === '') return { t: 'str', v: text };
  const known = lookup(text);
  if (known) return known;
  if (hint === '.' && /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) return { t: 'float', v: Number(text) };
  if (hint === 'D' || hint === 'S') {
    if ((tag === '' || tag === `${P}timestamp`) && isTimestamp(text)) return { t: 'timestamp', v: text };
    return resolveNumber(text) ?? { t: 'str', v: text };
  }
  return { t: 'str', v: text };
}

const TAG_OF: Record<Scalar['t'], string> = { null: 'null', bool: 'bool', int: 'int', bigint: 'int', float: 'float', str: 'str', timestamp: 'timestamp' };

/**
 * Types one scalar. `tag` is the explicit tag in long form ('' when none); `plain` says whether it was written
 * unquoted. Throws ScalarError with go-yaml's wording when an explicit tag does not fit.
 */
export function resolveScalar(text: string, tag: string, plain: boolean): Scalar {
  if (tag === '' && !plain) return { t: 'str', v: text };
  if (tag === `${P}binary`) return { t: 'str', v: decodeBinary(text) };
  const resolvable = ['', 'str', 'bool', 'int', 'float', 'null', 'timestamp'].map((t) => (t ? P + t : ''));
  if (!resolvable.includes(tag) || tag === `${P}str`) return { t: 'str', v: text };
  const out = resolvePlain(text, tag);
  if (tag === '' || P + TAG_OF[out.t] === tag) return out;
  if (tag === `${P}float` && out.t === 'int') return { t: 'float', v: Number(out.v) };
  throw new ScalarError(`cannot decode !!${TAG_OF[out.t]} \`${text}\` as a !!${tag.slice(P.length)}`);
}

/** Base64 (Go's StdEncoding: padding required, line breaks ignored) to a string as Go's JSON encoder writes bytes. */
function decodeBinary(text: string): string {
  const s = text.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    throw new ScalarError('!!binary value contains invalid base64 data');
  }
  return goUtf8(Buffer.from(s, 'base64'));
}

/** Bytes to text the way Go's encoding/json does: each byte of an invalid UTF-8 sequence becomes U+FFFD. */
export function goUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need === 0) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][need] ?? 0;
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (!ok) {
      out += '\ufffd';
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** A map key as sigs.k8s.io/yaml turns it into a JSON key; undefined for keys it refuses (null, uint64, big). */
export function keyString(s: Scalar): string | undefined {
  switch (s.t) {
    case 'str':
    case 'timestamp':
      return s.v;
    case 'int':
      return s.v.toString();
    case 'bool':
      return s.v ? 'true' : 'false';
    case 'float':
      return formatFloat32g(s.v);
    default:
      return undefined;
  }
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32), with go-yaml's names for infinities and NaN. */
function formatFloat32g(f: number): string {
  if (Number.isNaN(f)) return '.nan';
  if (f === Infinity || Math.fround(f) === Infinity) return '.inf';
  if (f === -Infinity || Math.fround(f) === -Infinity) return '-.inf';
  const target = Math.fround(f);
  if (target === 0) return Object.is(target, -0) ? '-0' : '0';
  let exp = '';
  for (let p = 1; p <= 9; p++) {
    exp = target.toExponential(p - 1);
    if (Math.fround(Number(exp)) === target) break;
  }
  const [mant, e] = exp.split('e') as [string, string];
  const x = Number(e);
  const digits = mant.replace('-', '').replace('.', '');
  const sign = target < 0 ? '-' : '';
  if (x < -4 || x >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  if (x >= digits.length - 1) return sign + digits + '0'.repeat(x - digits.length + 1);
  if (x >= 0) return `${sign}${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`;
  return `${sign}0.${'0'.repeat(-x - 1)}${digits}`;
}
