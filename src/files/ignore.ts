/**
 * The one ignore matcher for build contexts (Docker's .dockerignore rules, dockerignore.ts).
 *
 * A PathMatcher answers for POSIX paths relative to its root ("src/a.ts", never "./src" or "src/").
 * Several sources (the dockerignore file, ignore=, only=) are separate matchers combined with anyOf():
 * a path is left out if ANY source excludes it, so a `!` in one source cannot bring back what another
 * excludes (as Tilt does).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DevloopError } from '../model/errors.js';
import { compileRules, entersExcludedDir, matches, patternLines, readDockerignore, type PatternLine, type PatternSource } from './dockerignore.js';

export interface PathMatcher {
  /** Is this path (POSIX, relative to the root, no './' and no trailing '/') left out? */
  excludes(rel: string): boolean;
  /** Is `rel` an excluded directory inside which no `!` pattern could re-include anything? Then nobody descends into it. */
  skipsDir(rel: string): boolean;
}

export const NOTHING_IGNORED: PathMatcher = { excludes: () => false, skipsDir: () => false };

/** Lines of a .dockerignore file, as Docker reads them (BOM stripped, `#` lines dropped, trimmed, cleaned). */
export function parseDockerignore(text: string): string[] {
  return readDockerignore(text).map((l) => l.pattern);
}

/**
 * A matcher over dockerignore-syntax patterns with Docker 20.10's semantics (dockerignore.ts): case-sensitive,
 * `**`, `!`, root-anchored; an excluded directory is skipped unless a `!` pattern starts with its path.
 * Patterns Docker refuses throw a DevloopError naming the file and line (or the option) they came from.
 */
export function dockerignoreMatcher(patterns: readonly (string | PatternLine)[], source: PatternSource = { label: 'ignore=' }): PathMatcher {
  const lines = patterns.flatMap((p) => (typeof p === 'string' ? patternLines([p]) : [p]));
  const rules = compileRules(lines, source);
  if (rules.length === 0) return NOTHING_IGNORED;
  const anyNegative = rules.some((r) => r.negative);
  const excludes = (rel: string): boolean => rel !== '' && matches(rules, rel);
  return {
    excludes,
    skipsDir: (rel) => excludes(rel) && !(anyNegative && entersExcludedDir(rules, rel)),
  };
}

/** Excluded if any of the matchers excludes it; a directory is skipped if any matcher skips it. */
export function anyOf(matchers: readonly PathMatcher[]): PathMatcher {
  const ms = matchers.filter((m) => m !== NOTHING_IGNORED);
  if (ms.length === 0) return NOTHING_IGNORED;
  if (ms.length === 1) return ms[0]!;
  return {
    excludes: (rel) => ms.some((m) => m.excludes(rel)),
    skipsDir: (rel) => ms.some((m) => m.skipsDir(rel)),
  };
}

/** `only` paths as dockerignore patterns: everything out, then each path back in (Tilt's onlysToDockerignorePatterns). */
export function onlyPatterns(only: readonly string[], context = ''): string[] {
  return [
    '**',
    ...only.map((p) => {
      checkNoNewline('only', p);
      if (p.includes('*')) {
        throw new DevloopError('only-glob', `'only' does not support '*' file globs. Must be a real path: ${p}`, {
          hint: 'list real files or directories in only=, or use ignore= with globs',
        });
      }
      // A leading '!' stays part of the path ("!!p" is read by the matcher as "!" + literal "!p").
      return '!' + contextRelative(p, context);
    }),
  ];
}

function checkNoNewline(what: 'ignore' | 'only', p: string): void {
  if (/[\r\n]/.test(p)) {
    throw new DevloopError(`${what}-newline`, `${what} cannot contain newlines; found ${what}: ${JSON.stringify(p)}`, {
      hint: `give several patterns as a list: ${what}: ['a', 'b']`,
    });
  }
}

/** An absolute path inside the context becomes context-relative; anything else is left to dockerignore rules. */
function contextRelative(p: string, context: string): string {
  if (context && path.isAbsolute(p)) {
    const rel = path.relative(context, p);
    if (rel === '') return '.';
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return p;
}

export interface ContextIgnoreOptions {
  /** Absolute path of the build context. */
  context: string;
  /** Absolute path of the Dockerfile; `<context>/Dockerfile` when omitted (also for inline dockerfile contents). */
  dockerfile?: string;
  /** dockerignore-syntax patterns relative to the context (`ignore=`). */
  ignore?: readonly string[];
  /** Real paths relative to the context (`only=`); no `*`. */
  only?: readonly string[];
}

export interface ContextIgnore {
  matcher: PathMatcher;
  /** Every ignore file looked at, existing or not, so the caller can watch them and re-evaluate on change. */
  files: string[];
  /** The dockerignore file in effect, if one exists. */
  dockerignore?: string;
  /** The rules the matcher was made from (dockerignore text, ignore=, only=): a matcher with the same rules matches the same. */
  rules: string;
}

/**
 * The context ignore for one docker build: `<dockerfile>.dockerignore` if it exists, else
 * `<context>/.dockerignore`; plus ignore= and only=. node_modules and .git are NOT excluded unless
 * a source says so (Docker sends them too); they are left out of watching by watchIgnore().
 */
export function contextIgnore(opts: ContextIgnoreOptions): ContextIgnore {
  const dockerfile = opts.dockerfile ?? path.join(opts.context, 'Dockerfile');
  const perDockerfile = `${dockerfile}.dockerignore`;
  const atRoot = path.join(opts.context, '.dockerignore');
  const files: string[] = [perDockerfile];
  let used: string | undefined;
  if (isFile(perDockerfile)) used = perDockerfile;
  else {
    if (atRoot !== perDockerfile) files.push(atRoot);
    if (isFile(atRoot)) used = atRoot;
  }
  const matchers: PathMatcher[] = [];
  const text = used ? readFileSync(used, 'utf8') : '';
  if (used) matchers.push(dockerignoreMatcher(readDockerignore(text), { file: used }));
  if (opts.ignore?.length) {
    for (const p of opts.ignore) checkNoNewline('ignore', p);
    matchers.push(
      dockerignoreMatcher(
        opts.ignore.map((p) => contextRelative(p, opts.context)),
        { label: 'ignore=' },
      ),
    );
  }
  if (opts.only?.length) matchers.push(dockerignoreMatcher(onlyPatterns(opts.only, opts.context), { label: 'only=' }));
  const rules = JSON.stringify([used ?? '', text, opts.ignore ?? [], opts.only ?? []]);
  return { matcher: anyOf(matchers), files, rules, ...(used ? { dockerignore: used } : {}) };
}

function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}
