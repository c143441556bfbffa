/** Splits a child process's output stream into lines (the last one may lack a newline). */
export function pipeLines(stream: NodeJS.ReadableStream | null | undefined, onLine: (l: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) onLine(p.replace(/\r$/, ''));
  });
  stream.on('end', () => { if (partial) onLine(partial); });
}
