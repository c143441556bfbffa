/**
 * kustomize(path, { kustomize_bin, flags }): renders a kustomization as Tilt does, with `kustomize build`
 * when that binary is on PATH, else `kubectl kustomize`, and returns the YAML for k8s_yaml(). Every file the
 * kustomization reads is recorded as read, so `devloop up` re-renders when one changes.
 */
import { relative } from 'node:path';
import { abs, addFileRead } from './recorder.js';
import { asBlob, beginCall, failAt } from './helper-call.js';
import { kustomizeDeps } from './kustomize-deps.js';
import { findOnPath, runTool } from './local-tool.js';
import { checkArg, checkOptions } from './options.js';

export interface KustomizeOptions {
  /** The kustomize binary to use (a name on PATH or a path relative to devloop.ts); it runs as `BIN build`. */
  kustomize_bin?: string;
  /** Extra flags for the build, e.g. ['--enable-helm'] or ['--load-restrictor=LoadRestrictionsNone']. */
  flags?: string[];
}

/** Renders the kustomization in `path` (a directory relative to devloop.ts) and returns its YAML. */
export function kustomize(path: string, options?: KustomizeOptions): string {
  const c = beginCall('kustomize');
  checkArg(c.fn, 'path', 'string', path, c.loc, `k8s_yaml(kustomize('deploy/overlays/dev'))`);
  const o = checkOptions<KustomizeOptions & Record<string, unknown>>(c.fn, options, { kustomize_bin: 'string', flags: 'strings' }, c.loc);
  const dir = abs(c.r, path);
  // Recorded before rendering, so that fixing a broken kustomization re-evaluates the config.
  for (const f of kustomizeDeps(dir)) addFileRead(c.r, f);

  let argv: string[];
  if (o.kustomize_bin !== undefined) {
    const bin = findOnPath(o.kustomize_bin.includes('/') ? abs(c.r, o.kustomize_bin) : o.kustomize_bin);
    if (!bin) {
      failAt(
        'config-kustomize-missing',
        `${c.fn}: kustomize_bin '${o.kustomize_bin}' was not found${o.kustomize_bin.includes('/') ? '' : ' on PATH'}`,
        c.loc,
        'give the path of a kustomize executable, or leave kustomize_bin out to use `kustomize` from PATH or `kubectl kustomize`',
      );
    }
    argv = [bin, 'build'];
  } else if (findOnPath('kustomize')) {
    argv = ['kustomize', 'build'];
  } else if (findOnPath('kubectl')) {
    c.r.plan.logs.push(`${c.fn}: \`kustomize\` is not on PATH: using \`kubectl kustomize\``);
    argv = ['kubectl', 'kustomize'];
  } else {
    return failAt(
      'config-kustomize-missing',
      `${c.fn}: neither \`kustomize\` nor \`kubectl\` is on PATH`,
      c.loc,
      'install kustomize (https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl, and make sure it is on PATH',
    );
  }
  // Relative to devloop.ts's directory, as Tilt runs it (kustomize mishandles some absolute paths).
  const rel = relative(c.r.plan.configDir, dir) || '.';
  const yaml = runTool(
    c,
    'config-kustomize-failed',
    [...argv, ...(o.flags ?? []), rel],
    c.r.plan.configDir,
    `fix the kustomization in ${dir} (the message above is kustomize's); run the command there by hand to check`,
  );
  return asBlob(c, yaml, `kustomize('${path}')`);
}
