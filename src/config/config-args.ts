/**
 * Tilt's `config` module: settings defined by the config and given on the command line
 * (`devloop up -- --env staging`), the resources to run, and what devloop was run as.
 * Without a config.parse() call, the command-line words name the resources to run (with their resource_deps).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevloopError } from '../model/errors.js';
import { callerLocation } from './callsite.js';
import { checkArg, checkOptions, closest, typeName } from './options.js';
import { addFileRead, current, type Recorder } from './recorder.js';
import type { Loc } from './spec.js';

type Kind = 'string' | 'bool' | 'string_list';
export type ConfigValue = string | boolean | string[];

/** The config file's values (Tilt reads tilt_config.json beside the Tiltfile); command-line values win. */
export const CONFIG_FILES = ['devloop_config.json', 'tilt_config.json'];

function begin(fn: string): { r: Recorder; loc: Loc } {
  const r = current(fn);
  return { r, loc: callerLocation(r.plan.configFile) };
}

function fail(code: string, message: string, loc: Loc, hint?: string): never {
  throw new DevloopError(code, message, { location: loc, hint });
}

export interface DefineOptions {
  /** The positional words of the command line go to this setting (only one setting may take them). */
  args?: boolean;
  /** Shown when the command line is wrong. */
  usage?: string;
}

function define(kind: Kind, name: unknown, options: DefineOptions | undefined): void {
  const fn = `config.define_${kind}`;
  const { r, loc } = begin(fn);
  checkArg(fn, 'name', 'string', name, loc, `${fn}('env')`);
  const o = checkOptions<DefineOptions & Record<string, unknown>>(fn, options, { args: 'boolean', usage: 'string' }, loc);
  const defs = (r.configDefs ??= new Map());
  const prev = defs.get(name as string);
  if (prev) fail('config-duplicate', `${fn}: '${name}' is already defined at ${prev.loc.file}:${prev.loc.line}`, loc, 'define each setting once');
  if (o.args) {
    const other = [...defs.entries()].find(([, d]) => d.args);
    if (other)
      fail(
        'config-duplicate',
        `${fn}: only one setting can take the positional args; '${other[0]}' already does (${other[1].loc.file}:${other[1].loc.line})`,
        loc,
      );
  }
  defs.set(name as string, { kind, args: o.args ?? false, usage: o.usage ?? '', loc });
}

function usageOf(r: Recorder): string {
  const defs = [...(r.configDefs ?? new Map()).entries()];
  if (!defs.length) return 'no settings are defined (config.define_string / define_bool / define_string_list)';
  return `settings: ${defs.map(([n, d]) => `${d.args ? `[${n}...]` : `--${n}${d.kind === 'bool' ? '' : ' VALUE'}`}${d.usage ? ` (${d.usage})` : ''}`).join(', ')}`;
}

function fileValues(r: Recorder, loc: Loc): Record<string, ConfigValue> {
  for (const name of CONFIG_FILES) {
    const file = join(r.plan.configDir, name);
    addFileRead(r, file);
    if (!existsSync(file)) continue;
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      fail('config-args-file', `config.parse: ${name} is not valid JSON: ${(e as Error).message}`, { file }, 'write an object such as {"env": "dev"}');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      fail('config-args-file', `config.parse: ${name} must hold an object, got ${typeName(v)}`, { file });
    const out: Record<string, ConfigValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const d = r.configDefs?.get(k);
      if (!d) fail('config-args-file', `config.parse: ${name} sets '${k}', which is not defined`, { file }, usageOf(r));
      const ok =
        d.kind === 'bool' ? typeof x === 'boolean' : d.kind === 'string' ? typeof x === 'string' : Array.isArray(x) && x.every((y) => typeof y === 'string');
      if (!ok)
        fail(
          'config-args-file',
          `config.parse: ${name}: '${k}' must be ${d.kind === 'bool' ? 'true or false' : d.kind === 'string' ? 'a string' : 'a list of strings'}, got ${typeName(x)}`,
          { file },
        );
      out[k] = x as ConfigValue;
    }
    void loc;
    return out;
  }
  return {};
}

/** Parses `args` against the definitions; pure, for tests. */
export function parseArgs(
  defs: Map<string, { kind: Kind; args: boolean }>,
  args: readonly string[],
): { values: Record<string, ConfigValue> } | { error: string } {
  const values: Record<string, ConfigValue> = {};
  const positional: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || a === '--') {
      if (a !== '--') positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const d = defs.get(name);
    if (!d) {
      const guess = closest(name, [...defs.keys()]);
      return { error: `unknown flag '--${name}'${guess ? ` (did you mean '--${guess}'?)` : ''}` };
    }
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (d.kind === 'bool') {
      if (value === undefined) values[name] = true;
      else if (/^(true|1)$/i.test(value)) values[name] = true;
      else if (/^(false|0)$/i.test(value)) values[name] = false;
      else return { error: `flag '--${name}' takes true or false, got '${value}'` };
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= args.length) return { error: `flag '--${name}' needs a value` };
      value = args[++i];
    }
    if (d.kind === 'string') {
      if (seen.has(name)) return { error: `string setting '--${name}' given more than once` };
      values[name] = value;
    } else {
      values[name] = [...((seen.has(name) ? values[name] : []) as string[]), value];
    }
    seen.add(name);
  }
  if (positional.length) {
    const target = [...defs.entries()].find(([, d]) => d.args);
    if (!target) return { error: `positional args were given (${positional.join(' ')}), but no setting takes them (define one with { args: true })` };
    const [name, d] = target;
    if (d.kind === 'string_list') values[name] = positional;
    else if (positional.length > 1) return { error: `setting '${name}' takes one positional arg, got ${positional.length}: ${positional.join(' ')}` };
    else if (d.kind === 'string') values[name] = positional[0];
    else return { error: `setting '${name}' is a bool and cannot take positional args` };
  }
  return { values };
}

/** Tilt's `config` module. */
export const config = {
  /** A string setting: `--name VALUE` on the command line. */
  define_string(name: string, options?: DefineOptions): void {
    define('string', name, options);
  },
  /** A bool setting: `--name` or `--name=false`. */
  define_bool(name: string, options?: DefineOptions): void {
    define('bool', name, options);
  },
  /** A list setting: `--name A --name B`, or the positional words with { args: true }. */
  define_string_list(name: string, options?: DefineOptions): void {
    define('string_list', name, options);
  },

  /** The settings' values: from devloop_config.json (or tilt_config.json) beside the config, then the command line. Unset ones are absent. */
  parse(): Record<string, ConfigValue> {
    const fn = 'config.parse';
    const { r, loc } = begin(fn);
    r.plan.argsParsed = true;
    const base = fileValues(r, loc);
    const res = parseArgs(r.configDefs ?? new Map(), r.invocation.args);
    if ('error' in res)
      fail('config-args', `${fn}: ${res.error}`, loc, `${usageOf(r)}; give them after the command, e.g. devloop ${r.invocation.subcommand} -- --name value`);
    return { ...base, ...res.values };
  },

  /** Only these resources (and their resource_deps, and uncategorized) run; an empty list: all of them. */
  set_enabled_resources(names: string[]): void {
    const fn = 'config.set_enabled_resources';
    const { r, loc } = begin(fn);
    checkArg(fn, 'names', 'strings', names, loc, `${fn}(['frontend', 'api'])`);
    r.plan.enabledResources = [...names];
    r.plan.enabledResourcesLoc = loc;
    r.plan.disableAll = false;
  },

  /** No resource runs (but uncategorized), unless set_enabled_resources() names some afterwards. As in Tilt. */
  clear_enabled_resources(): void {
    const { r } = begin('config.clear_enabled_resources');
    r.plan.disableAll = true;
  },

  /** The devloop command being run: 'up', 'ci', 'down', 'build'. */
  get subcommand(): string {
    return current('config.subcommand').invocation.subcommand;
  },
  /** Tilt's name for subcommand. */
  get tilt_subcommand(): string {
    return current('config.tilt_subcommand').invocation.subcommand;
  },
  /** Absolute path of the config file being run. */
  get main_path(): string {
    return current('config.main_path').plan.configFile;
  },
  /** Directory of the config file being run. */
  get main_dir(): string {
    return current('config.main_dir').plan.configDir;
  },
};
