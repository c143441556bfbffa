/**
 * One live update of one container: a single exec that deletes, extracts the tar from stdin, prints
 * checksums (or sizes) of what arrived, and runs the run steps; devloop says "updated" only after it has
 * checked that evidence.
 */
import type { ContainerExecutor, ContainerTarget } from '../../ports/container-exec.js';
import { DevloopError } from '../../model/errors.js';
import { parseScriptOutput, updateScript } from './script.js';
import type { PackedFile } from './tar.js';
import type { SyncPlan } from './plan.js';
import { restartFailure } from './restart.js';

export interface ContainerUpdate {
  target: ContainerTarget;
  error?: DevloopError;
  ranCommands: string[];
  ms: number;
}

const tail = (lines: string[], n = 15) => lines.filter((l) => l.trim()).slice(-n);

export async function updateContainer(
  exec: ContainerExecutor,
  target: ContainerTarget,
  plan: SyncPlan,
  tar: Buffer | undefined,
  packed: PackedFile[],
): Promise<ContainerUpdate> {
  const t0 = performance.now();
  const files = packed.filter((p) => p.link === undefined);
  const links = packed.filter((p) => p.link !== undefined).map((p) => ({ remote: p.remote, target: p.link! }));
  const script = updateScript({
    deletes: plan.deletes,
    copies: files.map((p) => p.remote),
    hasTar: files.length > 0,
    links,
    runs: plan.runs.map((r) => r.step.cmd),
    restart: plan.restart?.step.file,
  });
  const res = await exec.exec(target, ['sh', '-c', script], files.length ? tar : undefined);
  const out = parseScriptOutput(res.stdout.toString('utf8'));
  const ms = () => performance.now() - t0;
  const ran: string[] = [];
  const fail = (code: string, message: string, hint?: string, details?: string[]): ContainerUpdate => ({
    target,
    ranCommands: ran,
    ms: ms(),
    error: new DevloopError(code, `live update of ${target.label}: ${message}`, { hint, details }),
  });
  if (res.exitCode === 126 || res.exitCode === 127 || (!out.done && !out.failure && out.runs.length === 0 && out.preamble.length === 0 && res.stderr.length)) {
    return fail(
      'live-update-exec-failed',
      `the container could not run the update script (exit code ${res.exitCode})`,
      'live update needs sh and tar in the image (busybox provides both)',
      tail(res.stderr.toString('utf8').split('\n')),
    );
  }
  if (out.failure?.kind === 'tar') {
    const text = out.failure.output;
    if (/not found/.test(text))
      return fail(
        'live-update-no-tar',
        'the image has no tar',
        'add tar to the image (e.g. busybox), or drop live_update for this image',
        tail(text.split('\n')),
      );
    if (/Permission denied|Operation not permitted|Read-only/i.test(text)) {
      return fail(
        'live-update-permission',
        `extracting the files failed: the container runs as uid ${out.failure.uid ?? '?'} and may not write to the sync destination`,
        `make the destination writable by that user in the Dockerfile (e.g. RUN chown -R ${out.failure.uid ?? 'app'} ${plan.copies[0]?.remote.split('/').slice(0, -1).join('/') || '/app'}), or run the container as root`,
        tail(text.split('\n')),
      );
    }
    return fail('live-update-tar-failed', 'extracting the files failed', undefined, tail(text.split('\n')));
  }
  if (out.failure?.kind === 'rm')
    return fail(
      'live-update-rm-failed',
      `deleting ${plan.deletes.join(', ')} failed`,
      'check the permissions of the sync destination',
      tail(out.failure.output.split('\n')),
    );
  for (const [n, l] of links.entries()) {
    const got = out.links.get(n);
    if (got !== l.target) {
      return fail(
        'live-update-unverified',
        `${l.remote} is not the link sent (${got ? `it points to ${got}` : 'no link found after making it'}, sent a link to ${l.target})`,
        'the container may be restarting, or something else writes to that path; the next change will rebuild',
      );
    }
  }
  for (const p of files) {
    const got = out.verified.get(p.remote);
    if (got === undefined || (got !== p.sha256 && got !== String(p.size))) {
      return fail(
        'live-update-unverified',
        `${p.remote} did not arrive as sent (${got === undefined ? 'not found after extracting' : `found ${got.length === 64 ? 'sha256 ' + got.slice(0, 12) : got + ' bytes'}, sent ${p.sha256.slice(0, 12)} / ${p.size} bytes`})`,
        'the container may be restarting, or something else writes to that path; the next change will rebuild',
      );
    }
  }
  if (out.stillExisting.length)
    return fail('live-update-unverified', `${out.stillExisting.join(', ')} still exist${out.stillExisting.length === 1 ? 's' : ''} after deleting`);
  for (const r of out.runs) {
    const step = plan.runs[r.index];
    const text = step.step.cmd[0] === 'sh' && step.step.cmd[1] === '-c' ? step.step.cmd[2] : step.step.cmd.join(' ');
    ran.push(step.trigger ? `ran "${text}" (trigger ${step.trigger})` : `ran "${text}"`);
    if (r.exitCode !== 0) {
      return fail(
        'live-update-run-failed',
        `run step "${text}" exited with code ${r.exitCode}`,
        'the container is now in an unknown state, so the next change rebuilds the image',
        tail(r.output),
      );
    }
  }
  if (plan.restart) {
    if (out.restart?.pid === undefined) {
      const f = restartFailure(plan.restart.step, out.restart);
      return fail('live-update-restart-failed', f.message, f.hint);
    }
    ran.push(plan.restart.trigger ? `restarted the process (trigger ${plan.restart.trigger})` : 'restarted the process');
  }
  if (!out.done)
    return fail(
      'live-update-incomplete',
      `the update script stopped early (exit code ${res.exitCode})`,
      undefined,
      tail([...out.preamble, ...res.stderr.toString('utf8').split('\n')]),
    );
  return { target, ranCommands: ran, ms: ms() };
}
