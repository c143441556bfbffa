/** Where the CLI writes. Only cli/ prints; everything else returns data or calls a sink. */
export interface Output {
  out(text: string): void;
  err(line: string): void;
  isTTY: boolean;
}

export const processOutput: Output = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (line) => {
    process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  },
  isTTY: Boolean(process.stderr.isTTY),
};

const useColor = (): boolean => Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const color = { red: paint('31'), yellow: paint('33'), blue: paint('34'), green: paint('32'), dim: paint('2'), bold: paint('1') };

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}
