/** Splitting a byte stream into text lines (UTF-8 safe across chunk boundaries). */
import { StringDecoder } from 'node:string_decoder';

/**
 * Calls onLine for each line (without `\n` / `\r\n`); resolves at the end of the stream, rejects on its error
 * or when onLine throws (the stream is then destroyed).
 */
export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const emit = (text: string) => {
    rest += text;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      try {
        if (!err) emit(decoder.end());
        if (!err && rest !== '') onLine(rest);
      } catch (e) {
        err = e as Error;
      }
      rest = '';
      if (err) reject(err);
      else resolve();
    };
    stream.on('data', (chunk: Buffer | string) => {
      if (done) return;
      try {
        emit(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      } catch (e) {
        rest = '';
        finish(e as Error);
        (stream as { destroy?: () => void }).destroy?.();
      }
    });
    stream.on('end', () => finish());
    stream.on('error', (e: Error) => finish(e));
    stream.on('close', () => finish());
  });
}
