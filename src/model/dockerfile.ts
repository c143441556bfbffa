/**
 * Base images of a Dockerfile, as pure text functions: which images it pulls (FROM and --from that are
 * not stages), and a rewrite that swaps only those ref tokens, keeping every other byte.
 *
 * Stage rules follow BuildKit: stage names are case-insensitive; `FROM x` is a stage only when an EARLIER
 * stage is named x; `--from=x` is a stage when any stage is named x or x is a number (an index);
 * `scratch` is no image. ARGs before the first FROM (defaults overridden by build args) expand FROM;
 * `--from` also sees the stage's own ARGs. build args that no ARG declares are not used, except
 * BuildKit's automatic platform args (TARGETARCH, BUILDPLATFORM, ...), which are used when given.
 */
import { DevloopError } from './errors.js';
import { tryExpandWord, type ArgEnv } from './dockerfile-expand.js';
import { lexDockerfile, splitFlags, splitWords, type Directive, type Instruction } from './dockerfile-lex.js';

export type BuildArgs = Readonly<Record<string, string>>;

export type RefKind = 'from' | 'copy-from' | 'mount-from';

/** One place the Dockerfile names an image or a stage. */
export interface RefUse {
  kind: RefKind;
  /** The token as written, e.g. `${BASE}` or `golang:1.22`. */
  raw: string;
  /** After ARG expansion (the raw text when expansion fails). */
  ref: string;
  /** 1-based line of the token. */
  line: number;
  /** Index of the stage the instruction is in (for FROM: the stage it starts). */
  stage: number;
  /** What it names: an image to pull, an earlier stage (index), or scratch. */
  target: { type: 'image' } | { type: 'stage'; index: number } | { type: 'scratch' };
  /** [start, end) of the token in the original text. */
  start: number;
  end: number;
}

export interface Stage {
  index: number;
  /** Lower-cased, as BuildKit stores it. */
  name?: string;
  platform?: string;
  line: number;
  base: RefUse;
}

export interface GlobalArg {
  name: string;
  /** The default as written, before expansion. */
  default?: string;
  line: number;
}

export interface ParsedDockerfile {
  directives: Directive[];
  escape: string;
  globalArgs: GlobalArg[];
  stages: Stage[];
  /** Every FROM and --from reference, in text order. */
  refs: RefUse[];
}

const PLATFORM_ARGS = new Set(['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT']);

export function parseDockerfile(text: string, buildArgs: BuildArgs = {}): ParsedDockerfile {
  const lexed = lexDockerfile(text);
  const { escape } = lexed;
  const names = stageNamesOf(lexed.instructions, escape);
  const globalArgs: GlobalArg[] = [];
  const globalEnv = new Map<string, string>();
  for (const [k, v] of Object.entries(buildArgs)) if (PLATFORM_ARGS.has(k)) globalEnv.set(k, v);
  const stages: Stage[] = [];
  const refs: RefUse[] = [];
  let stageEnv = globalEnv;

  const use = (instr: Instruction, kind: RefKind, raw: string, start: number, end: number, env: ArgEnv): RefUse => {
    const ref = tryExpandWord(raw, env, escape);
    const startOff = instr.offsetOf(start);
    const index = stageIndex(ref, kind, names, stages.length);
    const target: RefUse['target'] = index !== undefined ? { type: 'stage', index } : ref.toLowerCase() === 'scratch' ? { type: 'scratch' } : { type: 'image' };
    const u: RefUse = {
      kind,
      raw,
      ref,
      line: lexed.lineOf(startOff),
      stage: Math.max(0, stages.length - 1),
      target,
      start: startOff,
      end: instr.offsetOf(end - 1) + 1,
    };
    refs.push(u);
    return u;
  };

  for (const instr of lexed.instructions) {
    const { flags, args } = splitFlags(instr.text, escape, instr.argsStart);
    if (instr.keyword === 'ARG') {
      const inStage = stages.length > 0;
      for (const w of splitWords(instr.text, escape, args)) {
        const eq = w.raw.indexOf('=');
        const name = eq < 0 ? w.raw : w.raw.slice(0, eq);
        const dflt = eq < 0 ? undefined : w.raw.slice(eq + 1);
        if (!inStage) globalArgs.push({ name, ...(dflt !== undefined ? { default: dflt } : {}), line: instr.line });
        const value = argValue(name, dflt, buildArgs, inStage ? globalEnv.get(name) : undefined, stageEnv, escape);
        if (value === undefined) stageEnv.delete(name);
        else stageEnv.set(name, value);
      }
    } else if (instr.keyword === 'FROM') {
      const platformFlag = flags.find((f) => /^--platform=/i.test(f.raw));
      const words = splitWords(instr.text, escape, args).filter((w) => w.raw !== '');
      const image = words[0];
      const asName = words.length >= 3 && words[1]!.raw.toLowerCase() === 'as' ? words[2]!.raw.toLowerCase() : undefined;
      const base = image ? use(instr, 'from', image.raw, image.start, image.end, globalEnv) : use(instr, 'from', '', args, args + 1, globalEnv);
      const platform = platformFlag ? tryExpandWord(platformFlag.raw.slice('--platform='.length), globalEnv, escape) : undefined;
      stages.push({
        index: stages.length,
        line: instr.line,
        base,
        ...(asName ? { name: asName } : {}),
        ...(platform !== undefined ? { platform } : {}),
      });
      base.stage = stages.length - 1;
      stageEnv = new Map(); // a stage sees only the ARGs it declares (which may inherit the global values)
      for (const [k, v] of globalEnv) if (PLATFORM_ARGS.has(k)) stageEnv.set(k, v);
    } else if (instr.keyword === 'COPY' || instr.keyword === 'RUN') {
      for (const f of flags) {
        const m = /^--(from|mount)=/i.exec(f.raw);
        if (!m) continue;
        const valueStart = f.start + m[0].length;
        if (m[1]!.toLowerCase() === 'from' && instr.keyword === 'COPY') {
          use(instr, 'copy-from', instr.text.slice(valueStart, f.end), valueStart, f.end, stageEnv);
        } else if (m[1]!.toLowerCase() === 'mount' && instr.keyword === 'RUN') {
          const from = mountFrom(instr.text, valueStart, f.end);
          if (from) use(instr, 'mount-from', instr.text.slice(from.start, from.end), from.start, from.end, stageEnv);
        }
      }
    }
  }
  return { directives: lexed.directives, escape, globalArgs, stages, refs };
}

/** An ARG's value: the build arg if given, else its own default (expanded), else the global value (in a stage). */
function argValue(
  name: string,
  dflt: string | undefined,
  buildArgs: BuildArgs,
  inherited: string | undefined,
  env: ArgEnv,
  escape: string,
): string | undefined {
  if (Object.hasOwn(buildArgs, name)) return buildArgs[name];
  if (dflt !== undefined) return tryExpandWord(dflt, env, escape);
  return inherited;
}

/** Lower-cased stage names by index (undefined for unnamed stages), from a first pass. */
function stageNamesOf(instructions: Instruction[], escape: string): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  for (const instr of instructions) {
    if (instr.keyword !== 'FROM') continue;
    const { args } = splitFlags(instr.text, escape, instr.argsStart);
    const w = splitWords(instr.text, escape, args);
    names.push(w.length >= 3 && w[1]!.raw.toLowerCase() === 'as' ? w[2]!.raw.toLowerCase() : undefined);
  }
  return names;
}

function stageIndex(ref: string, kind: RefKind, names: (string | undefined)[], current: number): number | undefined {
  const lower = ref.toLowerCase();
  if (kind === 'from') {
    // FROM sees only stages defined before it (`current` = index of the stage this FROM starts).
    const i = names.slice(0, current).lastIndexOf(lower);
    return i >= 0 && lower !== '' ? i : undefined;
  }
  if (/^[0-9]+$/.test(ref)) return Number(ref);
  const i = names.indexOf(lower);
  return i >= 0 && lower !== '' ? i : undefined;
}

/** The `from=` value inside a `--mount=` CSV value in text[start, end). */
function mountFrom(text: string, start: number, end: number): { start: number; end: number } | undefined {
  let s = start;
  let e = end;
  if (e - s >= 2 && (text[s] === '"' || text[s] === "'") && text[e - 1] === text[s]) {
    s++;
    e--;
  }
  let fieldStart = s;
  let quoted = false;
  for (let i = s; i <= e; i++) {
    const ch = text[i];
    if (i < e && ch === '"') quoted = !quoted;
    if (i === e || (ch === ',' && !quoted)) {
      const field = text.slice(fieldStart, i);
      const m = /^\s*from=/i.exec(field);
      if (m && i > fieldStart + m[0].length) return { start: fieldStart + m[0].length, end: i };
      fieldStart = i + 1;
    }
  }
  return undefined;
}

/** Image references this Dockerfile pulls: FROM and --from values that are neither stages nor scratch. */
export function imageDependencies(text: string, buildArgs: BuildArgs = {}): { ref: string; raw: string; line: number; kind: RefKind }[] {
  return parseDockerfile(text, buildArgs)
    .refs.filter((r) => r.target.type === 'image' && r.ref !== '')
    .map(({ ref, raw, line, kind }) => ({ ref, raw, line, kind }));
}

export interface Rewrite {
  line: number;
  kind: RefKind;
  /** The token as written (e.g. `${BASE}`). */
  from: string;
  /** The ref it expanded to, as given to `replace`. */
  ref: string;
  to: string;
}

/**
 * Replace image refs (never stages, never scratch): `replace` gets each expanded ref and returns the new
 * ref or undefined to keep it. The whole token is replaced, so `FROM ${BASE}` becomes `FROM <new ref>`
 * (the resolved ref is written literally, as Tilt does); `AS name`, flags, comments, blank lines, case
 * and indentation are kept byte for byte.
 */
export function rewriteBaseImages(
  text: string,
  replace: (ref: string) => string | undefined,
  buildArgs: BuildArgs = {},
): { text: string; rewrites: Rewrite[] } {
  const rewrites: (Rewrite & { start: number; end: number })[] = [];
  for (const r of parseDockerfile(text, buildArgs).refs) {
    if (r.target.type !== 'image' || r.ref === '') continue;
    const to = replace(r.ref);
    if (to === undefined || to === r.raw) continue;
    rewrites.push({ line: r.line, kind: r.kind, from: r.raw, ref: r.ref, to, start: r.start, end: r.end });
  }
  let out = text;
  for (let i = rewrites.length - 1; i >= 0; i--) {
    const w = rewrites[i]!;
    out = out.slice(0, w.start) + w.to + out.slice(w.end);
  }
  return { text: out, rewrites: rewrites.map(({ start: _s, end: _e, ...w }) => w) };
}

/** Named stages, lower-cased, in order. */
export function stageNames(text: string): string[] {
  return parseDockerfile(text).stages.flatMap((s) => (s.name ? [s.name] : []));
}

/** Does `target` name a stage (case-insensitive, as `docker build --target`)? */
export function hasTarget(text: string, target: string): boolean {
  return stageNames(text).includes(target.toLowerCase());
}

/** Throws `target-not-found` naming the stages when `target` names none. `file` locates the error. */
export function requireTarget(text: string, target: string, file?: string): void {
  if (hasTarget(text, target)) return;
  const names = stageNames(text);
  throw new DevloopError('target-not-found', `target stage "${target}" could not be found in the Dockerfile`, {
    hint: names.length ? `stages: ${names.join(', ')}` : 'the Dockerfile names no stages; name one with FROM <image> AS <name>',
    ...(file ? { location: { file } } : {}),
  });
}
