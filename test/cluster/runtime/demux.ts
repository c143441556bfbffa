// Docker's multiplexed stream format (8-byte header: stream type, 3 zero bytes, big-endian length) split
// into stdout and stderr, for logs and exec of containers without a TTY.
import type { PassThrough, Readable } from 'node:stream';

export function demux(source: Readable, stdout: PassThrough, stderr: PassThrough): void {
  let buf = Buffer.alloc(0);
  source.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const payload = buf.subarray(8, 8 + size);
      (buf[0] === 2 ? stderr : stdout).write(payload);
      buf = buf.subarray(8 + size);
    }
  });
  const end = () => {
    stdout.end();
    stderr.end();
  };
  source.on('end', end);
  source.on('close', end);
  source.on('error', end);
}

/** the same for a complete buffer (docker logs without follow) */
export function demuxBuffer(buf: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(out);
}
