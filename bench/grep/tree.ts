// A deterministic tree of source-like files for the grep benchmark: TypeScript, Python, Go,
// Markdown and JSON in nested package folders, with a few rare markers, scattered TODO/FIXME
// comments in mixed case, and ignored folders (dist/, node_modules/) that must not be searched.
import fs from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../prng.ts';

export interface TreeSpec {
  files: number;
}
export interface TreeInfo {
  root: string;
  files: number;
  bytes: number;
  rareMarkers: number;
}

export const RARE_MARKER = 'WARMLINE_RARE_MARKER';
const VERSION = 1;

const WORDS = [
  'user',
  'account',
  'order',
  'item',
  'price',
  'total',
  'cache',
  'client',
  'request',
  'response',
  'session',
  'token',
  'config',
  'value',
  'index',
  'buffer',
  'stream',
  'event',
  'handler',
  'parser',
  'result',
  'error',
  'state',
  'store',
  'query',
  'record',
  'field',
  'schema',
  'route',
  'path',
  'file',
  'node',
  'tree',
  'list',
  'map',
  'queue',
  'worker',
  'task',
  'job',
  'report',
];
const TYPES = [
  'string',
  'number',
  'boolean',
  'Item',
  'Order',
  'Request',
  'Response',
  'Config',
  'Map<string, number>',
  'Promise<void>',
];
const PHRASES = [
  'handle the empty case',
  'remove after the migration',
  'check the bounds',
  'make this configurable',
  'add a test for this',
  'retry on failure',
  'cache the result',
];
const NOTES = ['TODO', 'todo', 'Todo', 'FIXME', 'fixme', 'NOTE'];

export function generateTree(dir: string, spec: TreeSpec): TreeInfo {
  const marker = path.join(dir, '.complete.json');
  try {
    const info = JSON.parse(fs.readFileSync(marker, 'utf8')) as TreeInfo & { version: number; spec: TreeSpec };
    if (info.version === VERSION && info.spec.files === spec.files)
      return { root: dir, files: info.files, bytes: info.bytes, rareMarkers: info.rareMarkers };
  } catch {
    /* generate */
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rand = mulberry32(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ident = () => pick(WORDS) + pick(WORDS).replace(/^./, (c) => c.toUpperCase());
  const Type = () => pick(TYPES);
  const note = () => `${pick(NOTES)}: ${pick(PHRASES)}`;

  const tsLine = (): string => {
    const r = rand();
    if (r < 0.15) return `  const ${ident()} = ${ident()}(${ident()}, ${Math.floor(rand() * 1000)});`;
    if (r < 0.25) return `  let ${ident()}: ${Type()} = ${ident()}.${ident()};`;
    if (r < 0.35) return `  if (${ident()} > ${Math.floor(rand() * 100)}) return ${ident()};`;
    if (r < 0.45) return `  for (const ${ident()} of ${ident()}) ${ident()}.push(${ident()});`;
    if (r < 0.5) return `  // ${rand() < 0.3 ? note() : pick(PHRASES)}`;
    if (r < 0.6) return `  await this.${ident()}.${ident()}({ ${ident()}, ${ident()} });`;
    if (r < 0.7) return `}\n\nexport function ${ident()}(${ident()}: ${Type()}): ${Type()} {`;
    if (r < 0.75) return `  throw new Error(\`${pick(PHRASES)}: \${${ident()}}\`);`;
    return `  ${ident()} = ${ident()} ?? ${JSON.stringify(pick(WORDS))};`;
  };
  const pyLine = (): string => {
    const r = rand();
    if (r < 0.2) return `    ${ident()} = ${ident()}(${ident()}, ${Math.floor(rand() * 1000)})`;
    if (r < 0.3) return `    # ${rand() < 0.3 ? note() : pick(PHRASES)}`;
    if (r < 0.45) return `    if ${ident()} is None:\n        return ${ident()}`;
    if (r < 0.55) return `\ndef ${ident()}(${ident()}, ${ident()}=None):`;
    return `    self.${ident()}.append(${ident()})`;
  };
  const goLine = (): string => {
    const r = rand();
    if (r < 0.25) return `\t${ident()} := ${ident()}(${ident()})`;
    if (r < 0.35) return `\t// ${rand() < 0.3 ? note() : pick(PHRASES)}`;
    if (r < 0.5) return `\tif err != nil {\n\t\treturn nil, err\n\t}`;
    if (r < 0.6) return `}\n\nfunc ${ident()}(${ident()} ${pick(['string', 'int', '*Config'])}) error {`;
    return `\t${ident()}.${ident()} = ${Math.floor(rand() * 1000)}`;
  };
  const mdLine = (): string =>
    rand() < 0.1
      ? `## ${pick(PHRASES)}`
      : `The ${pick(WORDS)} ${pick(WORDS)} should ${pick(PHRASES)} when the ${pick(WORDS)} is ${pick(WORDS)}.`;

  let bytes = 0;
  let rare = 0;
  const write = (rel: string, text: string) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  };
  const packages = 50;
  const dirsPer = 20;
  const perDir = Math.max(1, Math.ceil(spec.files / (packages * dirsPer)));
  let n = 0;
  for (let p = 0; p < packages && n < spec.files; p++) {
    for (let d = 0; d < dirsPer && n < spec.files; d++) {
      for (let f = 0; f < perDir && n < spec.files; f++, n++) {
        const kind = rand();
        const [ext, line, header] =
          kind < 0.5
            ? ['ts', tsLine, `import { ${ident()} } from './${pick(WORDS)}';\n\nexport function ${ident()}(): void {`]
            : kind < 0.7
              ? ['py', pyLine, `import ${pick(WORDS)}\n\nclass ${ident().replace(/^./, (c) => c.toUpperCase())}:`]
              : kind < 0.85
                ? ['go', goLine, `package ${pick(WORDS)}\n\nfunc ${ident()}() error {`]
                : kind < 0.95
                  ? ['md', mdLine, `# ${pick(WORDS)} ${pick(WORDS)}`]
                  : ['json', () => `  "${ident()}": ${Math.floor(rand() * 1000)},`, '{'];
        const count = 10 + Math.floor(rand() * 60);
        const lines = [header];
        for (let i = 0; i < count; i++) lines.push(line());
        if (n % 10007 === 5) {
          lines.splice(3, 0, `// ${RARE_MARKER} ${n}`);
          rare++;
        }
        lines.push(ext === 'json' ? '  "end": true\n}' : ext === 'ts' || ext === 'go' ? '}' : '');
        const text = `${lines.join('\n')}\n`;
        bytes += text.length;
        write(
          `packages/pkg-${String(p).padStart(2, '0')}/src/mod-${String(d).padStart(2, '0')}/${ident()}-${f}.${ext}`,
          text,
        );
      }
    }
  }
  // Ignored content that a correct search skips.
  write('.gitignore', 'dist/\n*.log\n');
  for (let i = 0; i < 200; i++)
    write(`packages/pkg-00/dist/bundle-${i}.js`, `// ${RARE_MARKER} in dist ${i}\nconst x = 1;\n`);
  for (let i = 0; i < 200; i++)
    write(`node_modules/dep-${i}/index.js`, `// ${RARE_MARKER} in node_modules ${i}\nmodule.exports = {};\n`);
  const info = { root: dir, files: n, bytes, rareMarkers: rare };
  fs.writeFileSync(marker, JSON.stringify({ ...info, version: VERSION, spec }));
  return info;
}
