/**
 * restart_process(): the containers of an image whose live_update restarts its process run their command under
 * devloop's supervisor (src/model/supervisor.ts). The command is the image build's entrypoint, else the
 * container's own `command` in the YAML; the container's `args` still follow it.
 */
import type { LiveUpdateStep, RestartProcessStep } from '../config/spec.js';
import { DevloopError } from '../model/errors.js';
import type { InjectTarget } from '../model/inject.js';
import { isSupervised, supervised } from '../model/supervisor.js';

interface Wrappable {
  id: string;
  spec: { entrypoint?: readonly string[]; liveUpdate?: readonly LiveUpdateStep[] };
}

export function restartWrapping(img: Wrappable): Pick<InjectTarget, 'entrypoint' | 'wrapCommand'> {
  const step = img.spec.liveUpdate?.find((s): s is RestartProcessStep => s.type === 'restart_process');
  if (!step) return {};
  if (img.spec.entrypoint) return { entrypoint: supervised(img.spec.entrypoint, step.file, step.exitPolicy) };
  return {
    wrapCommand: (command, container) => {
      if (Array.isArray(command) && command.length > 0 && command.every((x) => typeof x === 'string')) {
        return isSupervised(command) ? (command as string[]) : supervised(command as string[], step.file, step.exitPolicy);
      }
      throw new DevloopError(
        'restart-process-no-command',
        `restart_process() of image ${img.id}: container '${container}' has no command in the YAML and the image build has no entrypoint, so devloop does not know which process to restart`,
        {
          hint: `give the image build an entrypoint (e.g. entrypoint: ['/app/server'], the image's own ENTRYPOINT and CMD), or the container a command: in the YAML`,
        },
      );
    },
  };
}
