#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
  // Let pending output flush and handles close; if something (a stream a cluster never ends) keeps the
  // process alive after the command is done, exit anyway.
  setTimeout(() => process.exit(code), 3000).unref();
});
