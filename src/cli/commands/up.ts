/** `devloop up`: build, deploy, then watch files and keep the cluster in step until Ctrl-C (which leaves the deployed objects, as Tilt does). */
import { createFileWatcher } from '../../adapters/watch/fs-watcher.js';
import { startSession } from '../../app/session.js';
import { startControlServer } from '../../engine/control-server.js';
import { EventHub } from '../../engine/event-hub.js';
import { lockProject } from '../../engine/control-file.js';
import { findConfig } from '../../config/evaluate.js';
import { watchRoots } from '../../engine/watch-roots.js';
import type { CommonOptions } from '../main.js';
import { color, type Output } from '../output.js';
import { createUi } from '../tty.js';
import { isDevloopError } from '../../model/errors.js';
import { lateEngine } from '../../web/late-engine.js';
import { openBrowser } from '../../web/open-browser.js';

export interface UpOptions extends CommonOptions {
  watch?: boolean;
  port?: string;
  host?: string;
  browser?: boolean;
  disablePortForwards?: boolean;
}

/** The web UI's default port (Tilt's). */
export const DEFAULT_UI_PORT = 10350;

export async function upCommand(opts: UpOptions, o: Output, args: string[] = []): Promise<number> {
  // One `devloop up` per project: taken before anything is built or applied, released when this one ends.
  const configFile = findConfig(process.cwd(), opts.file);
  const lock = lockProject(configFile);
  const ui = await createUi(o, opts).catch((e) => {
    lock.release();
    throw e;
  });
  // Every line and event also goes to the hub, which the control API streams (GET /api/events).
  const hub = new EventHub();
  const log = hub.tee(ui.log);
  // The web UI and control API first, so its URL is the first line printed.
  const late = lateEngine();
  const wantPort = opts.port !== undefined ? Number(opts.port) : DEFAULT_UI_PORT;
  const control = await startControlServer(late.engine, configFile, wantPort, lock, hub, {
    host: opts.host,
    onPortBusy: (p) => log.line('', color.yellow(`Port ${p} is busy (another devloop or program has it): the web UI takes a free port instead`)),
  }).catch((e) => {
    lock.release();
    ui.close();
    throw e;
  });
  const url = `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${control.port}/?token=${control.token}`;
  log.line('', `Web UI: ${url}`);
  if (opts.browser !== false && process.stdout.isTTY) openBrowser(url);
  let controlClosed = false;
  try {
    const session = await startSession({
      cwd: process.cwd(),
      file: opts.file,
      context: opts.context,
      namespace: opts.namespace,
      mode: 'up',
      log,
      args,
      disablePortForwards: opts.disablePortForwards,
    });
    const { engine } = session;
    ui.watch(engine);
    late.set(engine);
    log.line(
      '',
      `Control API on http://127.0.0.1:${control.port} (devloop get, devloop trigger RESOURCE). Ctrl-C stops devloop and leaves what it deployed; devloop down removes it.`,
    );
    engine.start();
    let handle: Awaited<ReturnType<ReturnType<typeof createFileWatcher>['watch']>> | undefined;
    if (opts.watch !== false) {
      const watcher = createFileWatcher();
      let chain = Promise.resolve();
      handle = await watcher.watch(
        watchRoots(engine.resolved),
        (batch) => {
          chain = chain
            .then(async () => {
              await engine.handleBatch(batch);
              await handle?.update(watchRoots(engine.resolved));
            })
            .catch((e) => log.line('', `error handling file changes: ${isDevloopError(e) ? e.message : (e as Error).stack}`));
        },
        (err) => {
          engine.watchFailed();
          log.line('', color.red(`watch error: ${err.message}${err.hint ? ` (${err.hint})` : ''}`));
        },
      );
      setTimeout(() => engine.warmWalks(), 200).unref();
      const st = handle.stats();
      log.line(
        '',
        `Watching ${st.roots} paths (${st.directories} directories${st.inotifyWatches !== undefined ? `, ${st.inotifyWatches} inotify watches` : ''})`,
      );
    }
    // The handlers stay registered until the cleanup is done: execa's child cleanup (signal-exit) re-raises a
    // signal nobody else listens to, which would kill devloop before it removed its control file and serve_cmds.
    let stop = () => {};
    await new Promise<void>((done) => {
      stop = () => done();
      ui.keepRunningOnInterrupt();
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    ui.close();
    log.line('', 'Stopping: port forwards and watches end; deployed objects stay (devloop down removes them).');
    try {
      await handle?.close();
      controlClosed = true;
      await control.close();
      await engine.stop();
      session.cluster.close();
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  } finally {
    if (!controlClosed) await control.close();
    lock.release();
    ui.close();
  }
}
