/**
 * The table of build contexts that the differential test (context-diff.test.ts) builds both ways.
 * Files: path → content; content starting with '->' is a symlink to the rest; a path ending in '/' is an
 * (empty) directory. `context` is the context directory inside the case (default '.'), `dockerfile` the
 * Dockerfile's path from the case root (default '<context>/Dockerfile', written with DOCKERFILE unless given).
 * `from` says where a case was borrowed: moby's fileutils/patternmatcher tests (`TestMatches` table),
 * fsutil's walker tests, BuildKit's dockerfile tests, or the .dockerignore documentation.
 */
export const DOCKERFILE = 'FROM scratch\nCOPY . /ctx/\n';

export interface ContextCase {
  name: string;
  from?: string;
  files: Record<string, string | Buffer>;
  modes?: Record<string, number>;
  context?: string;
  dockerfile?: string;
  /** Files at the context root whose names are these bytes (not UTF-8). */
  raw?: Buffer[];
  /** Docker refuses the context: both must fail, and devloop's message must match. */
  error?: RegExp;
}

const SAMPLE = { 'a.txt': 'a', 'b.md': 'b', 'dir/c.txt': 'c', 'dir/sub/d.md': 'd', 'dir/sub/e.txt': 'e', '.hidden': 'h' };

/** moby fileutils TestMatches / patternmatcher TestMatches: pattern, path, whether the path is excluded. */
const MATCHES: [string, string][] = [
  ['**', 'file'],
  ['**/', 'dir/file'],
  ['**/**', 'dir/file'],
  ['dir/**', 'dir/dir2/file'],
  ['**/dir', 'dir/file'],
  ['**/dir2/*', 'dir/dir2/file'],
  ['**/dir2/**', 'dir/dir2/dir3/file'],
  ['**file', 'dir/dir/file'],
  ['**/file*', 'dir/dir/file.txt'],
  ['**/file*txt', 'dir/dir/file.txt'],
  ['**/**/*.txt', 'dir/dir/file.txt'],
  ['**/**/*.txt2', 'dir/dir/file.txt'],
  ['**/*.txt', 'file.txt'],
  ['a**/*.txt', 'a/dir/dir/file.txt'],
  ['a/*.txt', 'a/dir/file.txt'],
  ['a/*.txt**', 'a/file.txt'],
  ['a[b-d]e', 'ace'],
  ['a[b-d]e', 'aae'],
  ['a[^b-d]e', 'aze'],
  ['.*', '.foo'],
  ['abc.def', 'abcZdef'],
  ['abc?def', 'abcZdef'],
  ['abc?def', 'abcdef'],
  ['a\\\\', 'a\\'],
  ['**/foo/bar', 'dir/dir2/foo/bar'],
  ['abc/**', 'abc/def/ghi'],
  ['**/.foo', 'bar.foo'],
  ['a(b)c/def', 'a(b)c/def'],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'],
];

export const CASES: ContextCase[] = [
  { name: 'no .dockerignore', files: { ...SAMPLE } },
  { name: 'one file pattern', files: { ...SAMPLE, '.dockerignore': 'a.txt\n' } },
  { name: '*.md at the root only', files: { ...SAMPLE, '.dockerignore': '*.md\n' } },
  { name: '**/*.md anywhere', files: { ...SAMPLE, '.dockerignore': '**/*.md\n' } },
  { name: 'a directory', files: { ...SAMPLE, '.dockerignore': 'dir\n' } },
  { name: 'leading and trailing slashes', files: { ...SAMPLE, '.dockerignore': '/dir/sub/\n/a.txt\n' } },
  { name: './ prefix and .. are cleaned', files: { ...SAMPLE, '.dockerignore': './a.txt\ndir/../b.md\n' } },
  { name: '! re-include of a file', files: { ...SAMPLE, '.dockerignore': '*.txt\n!a.txt\n' } },
  { name: '! re-include inside an excluded directory', files: { ...SAMPLE, '.dockerignore': 'dir\n!dir/sub/d.md\n' } },
  { name: 'later exclude wins over earlier !', files: { ...SAMPLE, '.dockerignore': 'dir\n!dir/sub\ndir/sub/e.txt\n' } },
  { name: 'everything but one directory (**, !dir)', files: { ...SAMPLE, '.dockerignore': '**\n!dir\n' } },
  { name: 'everything but a file in a subdirectory', files: { ...SAMPLE, '.dockerignore': '*\n!dir/sub/e.txt\n' } },
  {
    name: 'wildcard re-include under an excluded directory brings nothing back',
    files: { 'node_modules/x/package.json': '{}', 'node_modules/x/i.js': '', 'package.json': '{}', '.dockerignore': 'node_modules\n!**/package.json\n' },
  },
  {
    name: 'excluded directory that holds a re-included path',
    files: { 'keep/a/b.txt': 'b', 'keep/a/c.txt': 'c', 'other/x': 'x', '.dockerignore': 'keep\n!keep/a/b.txt\nother\n!other/nothing-here\n' },
  },
  { name: 'comments and blank lines', from: '.dockerignore documentation', files: { ...SAMPLE, '.dockerignore': '# comment\n\n   \n*.md\n#a.txt\n' } },
  {
    name: 'documentation example: */temp* */*/temp* temp?',
    from: '.dockerignore documentation',
    files: { 'x/temp1': '', 'x/y/temporary': '', tempA: '', temp: '', 'x/y/z/temp2': '', '.dockerignore': '# comment\n*/temp*\n*/*/temp*\ntemp?\n' },
  },
  {
    name: 'documentation example: *.md !README.md',
    from: '.dockerignore documentation',
    files: { 'README.md': 'r', 'CHANGES.md': 'c', 'a.txt': 'a', '.dockerignore': '*.md\n!README.md\n' },
  },
  {
    name: 'documentation example: *.md !README*.md README-secret.md',
    from: '.dockerignore documentation',
    files: { 'README.md': 'r', 'README-secret.md': 's', 'README-x.md': 'x', 'o.md': 'o', '.dockerignore': '*.md\n!README*.md\nREADME-secret.md\n' },
  },
  {
    name: 'documentation example: *.md README-secret.md !README*.md',
    from: '.dockerignore documentation',
    files: { 'README.md': 'r', 'README-secret.md': 's', 'README-x.md': 'x', 'o.md': 'o', '.dockerignore': '*.md\nREADME-secret.md\n!README*.md\n' },
  },
  {
    name: 'excluding .dockerignore and Dockerfile (both still used)',
    from: '.dockerignore documentation',
    files: { ...SAMPLE, '.dockerignore': '.dockerignore\nDockerfile\n' },
  },
  { name: 'CRLF line ends', files: { ...SAMPLE, '.dockerignore': '*.md\r\ndir/sub\r\n' } },
  { name: 'UTF-8 BOM before the first pattern', files: { ...SAMPLE, '.dockerignore': '\uFEFFa.txt\nb.md\n' } },
  { name: 'spaces around patterns are trimmed', files: { ...SAMPLE, '.dockerignore': '  a.txt  \n\tb.md\t\n' } },
  { name: 'Unicode spaces trimmed as Go TrimSpace does (U+0085, U+00A0, U+3000)', files: { ...SAMPLE, '.dockerignore': '\u0085a.txt\u00a0\n\u3000b.md\n' } },
  { name: '? matches one character outside the BMP', files: { 'a😀b': '1', ab: '2', 'a😀😀b': '3', '.dockerignore': 'a?b\n' } },
  { name: 'non-ASCII names', files: { 'café.txt': 'c', 'naïve/ü.md': 'u', '.dockerignore': 'caf?.txt\n' } },
  {
    name: 'names that are not UTF-8 keep their bytes',
    files: { 'a.txt': 'a', '.dockerignore': 'x*\n' },
    raw: [Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0xe9]), Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe]), Buffer.from([0x78, 0xe9])],
  },
  {
    name: 'symlinks are sent as links, targets not followed',
    files: { 'real.txt': 'r', ln: '->real.txt', abs: '->/etc/passwd', dangling: '->nowhere', dirlink: '->dir', 'dir/f': 'f' },
  },
  { name: 'a symlink excluded by name', files: { 'real.txt': 'r', ln: '->real.txt', '.dockerignore': 'ln\n' } },
  { name: 'empty directories are sent', files: { 'empty/': '', 'nested/empty/': '', 'a.txt': 'a' } },
  { name: 'empty directory excluded', files: { 'empty/': '', 'a.txt': 'a', '.dockerignore': 'empty\n' } },
  {
    name: 'modes: executable, private, setgid directory',
    files: { 'run.sh': '#!/bin/sh\n', secret: 's', 'g/x': 'x' },
    modes: { 'run.sh': 0o755, secret: 0o600, g: 0o2775 },
  },
  { name: 'Dockerfile excluded by .dockerignore', files: { ...SAMPLE, '.dockerignore': 'Dockerfile\n' } },
  { name: 'Dockerfile outside the context', context: 'ctx', dockerfile: 'Dockerfile', files: { 'ctx/a.txt': 'a', 'ctx/dir/b': 'b', Dockerfile: DOCKERFILE } },
  { name: 'Dockerfile in a subdirectory, named otherwise', dockerfile: 'docker/app.Dockerfile', files: { ...SAMPLE, 'docker/app.Dockerfile': DOCKERFILE } },
  {
    name: '<Dockerfile>.dockerignore next to the Dockerfile',
    dockerfile: 'docker/app.Dockerfile',
    files: { ...SAMPLE, 'docker/app.Dockerfile': DOCKERFILE, 'docker/app.Dockerfile.dockerignore': '*.md\n' },
  },
  {
    name: '<Dockerfile>.dockerignore and .dockerignore both present',
    dockerfile: 'docker/app.Dockerfile',
    files: { ...SAMPLE, 'docker/app.Dockerfile': DOCKERFILE, 'docker/app.Dockerfile.dockerignore': '*.md\n', '.dockerignore': 'a.txt\n' },
  },
  {
    name: 'Latin-1 Dockerfile is sent as its bytes',
    files: { 'a.txt': 'a', Dockerfile: Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n' + DOCKERFILE)]) },
  },
  { name: 'files named like devloop internals', files: { '.devloop-dockerfile-x': 'x', toString: 't', constructor: 'c', __proto__: 'p' } },
  { name: 'pattern . excludes nothing special', files: { ...SAMPLE, '.dockerignore': '.\n' } },
  { name: '! alone is refused', files: { ...SAMPLE, '.dockerignore': 'a.txt\n!\n' }, error: /\.dockerignore:2: .*illegal exclusion pattern/ },
  { name: 'trailing backslash is refused', files: { ...SAMPLE, '.dockerignore': 'a.txt\nb\\\n' }, error: /\.dockerignore:2: .*syntax error in pattern/ },
  { name: 'unclosed [ is refused', files: { ...SAMPLE, '.dockerignore': '[\n' }, error: /\.dockerignore:1: .*syntax error in pattern/ },
  {
    name: 'regexp syntax that does not compile is refused',
    from: 'moby fileutils TestMatches (a.|)$(}+{bc; Docker 20.10 passes it to regexp)',
    files: { 'a.|)$(}+{bc': 'x', '.dockerignore': 'a.|)$(}+{bc\n' },
    error: /\.dockerignore:1: .*syntax error in pattern/,
  },
  { name: 'reversed range [z-a] is refused', files: { ...SAMPLE, '.dockerignore': 'a.txt\n\n[z-a]\n' }, error: /\.dockerignore:3: .*syntax error in pattern/ },
  ...MATCHES.map(
    ([pattern, file]): ContextCase => ({
      name: `pattern ${JSON.stringify(pattern)} against ${file}`,
      from: 'moby fileutils TestMatches',
      files: { [file]: 'x', 'other.bin': 'o', '.dockerignore': `${pattern}\n` },
    }),
  ),
];
