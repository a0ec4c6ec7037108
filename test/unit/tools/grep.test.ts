import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGrepTool } from '../../../src/tools/grep.ts';
import type { GrepToolOptions } from '../../../src/tools/grep.ts';
import { NodeHost } from '../../../src/tools/node-host.ts';
import { editorRipgrepCandidates, findEditorRipgrep, findOnPath } from '../../../src/tools/ripgrep-locate.ts';
import { cleanupFixtures, context, expectToolError, fixture, run } from './helpers.ts';

afterAll(cleanupFixtures);

const REPO = path.resolve(import.meta.dirname, '../../..');
/** The appRoot of the VS Code build the integration tests use (code-server's copy). */
const APP_ROOT = path.join(REPO, '.tools/vscode/node_modules/code-server/lib/vscode');
const EDITOR_RG = findEditorRipgrep(APP_ROOT);
const PATH_RG = findOnPath('rg');

interface EngineCase {
  label: string;
  options: GrepToolOptions;
  hostRg?: string;
  expect: 'ripgrep' | 'node';
  rgPath?: string;
}
const ENGINES: EngineCase[] = [
  { label: 'pure Node', options: { engine: 'node' }, expect: 'node' },
  ...(EDITOR_RG
    ? [
        {
          label: "the editor's ripgrep",
          options: { envPath: '' },
          hostRg: EDITOR_RG,
          expect: 'ripgrep' as const,
          rgPath: EDITOR_RG,
        },
      ]
    : []),
  ...(PATH_RG ? [{ label: 'rg on PATH', options: {}, expect: 'ripgrep' as const, rgPath: PATH_RG }] : []),
];

/** A grep call through one engine; checks the engine that ran. */
async function grepWith(
  engine: EngineCase,
  root: string | string[],
  args: Record<string, unknown>,
  settings = {},
  checkEngine = true,
) {
  let used: string | undefined;
  let usedPath: string | undefined;
  const tool = createGrepTool({
    ...engine.options,
    onEngine: (e, p) => {
      used = e;
      usedPath = p;
    },
  });
  const host = new NodeHost({ roots: Array.isArray(root) ? root : [root], ripgrepPath: engine.hostRg });
  const ctx = context(host, { maxGrepMatches: 10_000, ...settings });
  const result = await run(tool, args, ctx);
  if (checkEngine) {
    expect(used, engine.label).toBe(engine.expect);
    if (engine.rgPath) expect(usedPath).toBe(engine.rgPath);
  }
  return { result, ctx };
}

const nodeOnly = ENGINES[0]!;

const AGREEMENT_FILES: Record<string, string | Buffer> = {
  '.gitignore': 'dist/\n*.log\n!important.log\n/only-root.ts\nsnapshots/**\n',
  '.warmlineignore': 'private/\n/hidden-by-warmline.ts\n',
  'src/app.ts':
    'import { helper } from "./util";\nexport function main() {\n  return helper("TODO: wire up");\n}\n// todo lowercase\n',
  'src/util.ts': 'export function helper(x: string) {\n  // TODO: validate\n  return x.trim();\n}\n',
  'src/Button.tsx': 'export const Button = () => <button>TODO click</button>;\n',
  'src/.gitignore': 'generated/\n!keep.gen.ts\n*.gen.ts\n',
  'src/generated/api.ts': 'TODO generated\n',
  'src/a.gen.ts': 'TODO gen\n',
  'src/keep.gen.ts': 'TODO kept? no: later rule wins\n',
  'only-root.ts': 'TODO root only\n',
  'lib/only-root.ts': 'TODO not root\n',
  'dist/bundle.js': 'TODO bundled\n',
  'debug.log': 'TODO log\n',
  'important.log': 'TODO important\n',
  'snapshots/x.snap': 'TODO snap\n',
  'private/notes.md': 'TODO private\n',
  'hidden-by-warmline.ts': 'TODO hidden\n',
  'sub/hidden-by-warmline.ts': 'TODO visible\n',
  '.env': 'TODO=secret\n',
  '.env.example': 'TODO=example\n',
  'keys/id_rsa': 'TODO key\n',
  'config/credentials.json': '{"TODO": 1}\n',
  '.github/workflows/ci.yml': 'name: TODO ci\n',
  '.git/config': 'TODO git\n',
  'node_modules/pkg/index.js': 'TODO dependency\n',
  'bin/data.bin': Buffer.concat([
    Buffer.from('TODO binary\n'),
    Buffer.from([0, 1, 2, 3]),
    Buffer.from('\nTODO after nul\n'),
  ]),
  'win/crlf.txt': 'first TODO line\r\nsecond line\r\nends with TODO\r\n',
  'bom.txt': '\uFEFFTODO with bom\n',
  'docs/unicode.md': 'Überschrift TODO\nüberall todo\nnaïve café TODO\n',
  'docs/long.md': `${Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? `TODO item ${i}` : `line ${i}`)).join('\n')}\n`,
  'big/huge.txt': `TODO huge\n${'x'.repeat(3000)}\n`,
};

const QUERIES: Array<Record<string, unknown>> = [
  { pattern: 'TODO' },
  { pattern: 'todo', case: 'insensitive' },
  { pattern: 'todo' }, // smart case: insensitive
  { pattern: 'TODO', literal: true, case: 'sensitive' },
  { pattern: '^TODO' },
  { pattern: 'TODO$' },
  { pattern: 'help(er)?\\(', context_lines: 1 },
  { pattern: 'TODO', context_lines: 2, path: 'docs' },
  { pattern: 'TODO', include: ['*.{ts,tsx}'] },
  { pattern: 'TODO', include: ['*.ts'], exclude: ['src/util.ts'] },
  { pattern: 'TODO', exclude: ['docs', '*.md'] },
  { pattern: 'TODO', path: 'src/**/*.ts' },
  { pattern: 'TODO', path: 'src/app.ts' },
  { pattern: 'TODO', path: 'node_modules/pkg' },
  { pattern: 'TODO', include: ['*.log'] },
  { pattern: 'üBERALL', case: 'insensitive' },
  { pattern: 'caf[eé]' },
  { pattern: 'x{2000}' },
  { pattern: 'nothing-matches-this' },
];

describe('grep: the three search paths agree', () => {
  it('finds ripgrep where VS Code ships it and on PATH', () => {
    // The ripgrep-path tests need at least one ripgrep: VS Code's (from .ci/vscode-tools) or `apt-get install ripgrep`.
    expect(EDITOR_RG ?? PATH_RG, 'no ripgrep found: run .ci/vscode-tools or apt-get install ripgrep').toBeTruthy();
    expect(ENGINES.length).toBeGreaterThanOrEqual(2);
  });

  it.each(QUERIES.map((q) => [JSON.stringify(q), q]))('%s', async (_label, query) => {
    const ws = fixture(AGREEMENT_FILES);
    fs.symlinkSync(ws.abs('src/app.ts'), ws.abs('link-to-app.ts'));
    fs.symlinkSync(ws.abs('src'), ws.abs('link-to-src'));
    const outputs: string[] = [];
    for (const engine of ENGINES) {
      const { result } = await grepWith(engine, ws.root, query as Record<string, unknown>, { maxReadBytes: 2048 });
      outputs.push(result.output);
    }
    for (let i = 1; i < outputs.length; i++)
      expect(outputs[i], `${ENGINES[i]!.label} vs ${ENGINES[0]!.label}`).toBe(outputs[0]);
  });

  it('hides exactly what the guard hides (checked on the Node path)', async () => {
    const ws = fixture(AGREEMENT_FILES);
    const { result } = await grepWith(nodeOnly, ws.root, { pattern: 'TODO' }, { maxReadBytes: 2048 });
    const files = new Set(
      result.output
        .split('\n')
        .slice(1)
        .filter((l) => !l.startsWith('['))
        .map((l) => l.split(':')[0]),
    );
    expect([...files].sort()).toEqual(
      [
        '.env.example',
        '.github/workflows/ci.yml',
        'bom.txt',
        'docs/long.md',
        'docs/unicode.md',
        'important.log',
        'lib/only-root.ts',
        'src/Button.tsx',
        'src/app.ts',
        'src/util.ts',
        'sub/hidden-by-warmline.ts',
        'win/crlf.txt',
      ].sort(),
    );
    expect(result.output).toContain('bom.txt:1:TODO with bom');
    expect(result.output).toContain('win/crlf.txt:3:ends with TODO');
    // What it did not search, it names (and nothing hidden by the guard is among them).
    expect(result.output).toContain(
      '[1 file over the 2.0 KB search limit was not searched: big/huge.txt (2.9 KB). Read a part of one with read_file start_line/end_line.]',
    );
    expect(result.output).toContain('[1 binary file also matches; binary lines are not shown: bin/data.bin (2).]');
  });
});

describe('grep behaviour', () => {
  const files = { 'a.ts': 'alpha\nbeta\nAlpha gamma\n', 'b/c.ts': 'beta alpha\n' };

  it('reports path:line:text sorted by path, with a count', async () => {
    const ws = fixture(files);
    const { result } = await grepWith(nodeOnly, ws.root, { pattern: 'alpha', case: 'sensitive' });
    expect(result.output).toBe(
      '2 matching lines in 2 files for pattern "alpha" in the workspace:\na.ts:1:alpha\nb/c.ts:1:beta alpha',
    );
    expect(result.summary).toBe('2 matches in 2 files');
  });

  it('uses smart case: insensitive unless the pattern has an uppercase letter', async () => {
    const ws = fixture(files);
    expect((await grepWith(nodeOnly, ws.root, { pattern: 'alpha' })).result.output).toContain('a.ts:3:Alpha gamma');
    expect((await grepWith(nodeOnly, ws.root, { pattern: 'Alpha' })).result.output).not.toContain('a.ts:1:');
  });

  it('shows context lines with - and separates groups with --', async () => {
    const ws = fixture({ 'x.txt': 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n' });
    const { result } = await grepWith(nodeOnly, ws.root, { pattern: 'two|six', context_lines: 1 });
    expect(result.output.split('\n').slice(1)).toEqual([
      'x.txt-1-one',
      'x.txt:2:two',
      'x.txt-3-three',
      '--',
      'x.txt-5-five',
      'x.txt:6:six',
      'x.txt-7-seven',
    ]);
  });

  it('stops at the match cap and says so', async () => {
    const ws = fixture({ 'many.txt': Array.from({ length: 50 }, (_, i) => `hit ${i}`).join('\n') });
    for (const engine of ENGINES) {
      const { result } = await grepWith(engine, ws.root, { pattern: 'hit', max_matches: 5 });
      expect(result.output.split('\n').filter((l) => l.startsWith('many.txt:'))).toHaveLength(5);
      expect(result.output).toMatch(/Stopped at 5 matching lines; there are more/);
      expect(result.summary).toBe('5+ matches in 1 file');
    }
  });

  it('streams matches as progress while searching', async () => {
    const ws = fixture(files);
    for (const engine of ENGINES) {
      const { ctx } = await grepWith(engine, ws.root, { pattern: 'beta' });
      expect(ctx.chunks.join('').split('\n').filter(Boolean).sort()).toEqual(['a.ts:2:beta', 'b/c.ts:1:beta alpha']);
    }
  });

  it('reports an invalid regex clearly on every path', async () => {
    const ws = fixture(files);
    for (const engine of ENGINES) {
      await expectToolError(
        grepWith(engine, ws.root, { pattern: 'foo(' }),
        'invalid_regex',
        /Invalid regular expression "foo\(".*literal/,
      );
    }
    // As literal text it is fine.
    expect((await grepWith(nodeOnly, ws.root, { pattern: 'foo(', literal: true })).result.output).toMatch(
      /^No matches/,
    );
  });

  it('runs look-around patterns (which ripgrep rejects) with the JavaScript engine', async () => {
    const ws = fixture({ 'x.ts': 'foobar\nfoobaz\n' });
    for (const engine of ENGINES) {
      const { result } = await grepWith(engine, ws.root, { pattern: 'foo(?=baz)' }, {}, false);
      expect(result.output, engine.label).toContain('x.ts:2:foobaz');
      expect(result.output, engine.label).not.toContain('x.ts:1:');
    }
  });

  it('falls back to Node when the ripgrep binary cannot run', async () => {
    const ws = fixture(files);
    const bogus = path.join(ws.root, 'not-rg');
    fs.writeFileSync(bogus, 'not a binary', { mode: 0o755 });
    const engines: string[] = [];
    const tool = createGrepTool({ rgPath: bogus, onEngine: (e) => engines.push(e) });
    const r = await run(tool, { pattern: 'beta' }, context(ws.root));
    expect(engines).toEqual(['ripgrep', 'node']);
    expect(r.output).toContain('a.ts:2:beta');
    expect(r.output).toMatch(/searched without ripgrep/);
  });

  it('refuses secrets and ignored paths named explicitly, and never shows secret contents', async () => {
    const ws = fixture({
      '.env': 'API_KEY=abc',
      'config/.env.local': 'API_KEY=def',
      '.gitignore': 'out/\n',
      'out/a.txt': 'API_KEY',
      'ok.txt': 'API_KEY=placeholder',
    });
    for (const engine of ENGINES) {
      await expectToolError(grepWith(engine, ws.root, { pattern: 'API_KEY', path: '.env' }), 'secret');
      await expectToolError(grepWith(engine, ws.root, { pattern: 'API_KEY', path: 'out' }), 'ignored');
      const { result, ctx } = await grepWith(engine, ws.root, { pattern: 'API_KEY', include: ['.env*', '*.txt'] });
      expect(result.output).toContain('ok.txt:1:');
      expect(result.output + ctx.chunks.join('')).not.toMatch(/abc|def|out\/a\.txt/);
    }
  });

  it('searches every folder of a multi-root workspace, prefixed by folder name', async () => {
    const a = fixture({ 'x.txt': 'needle' }, 'alpha');
    const b = fixture({ 'y.txt': 'needle' }, 'beta');
    for (const engine of ENGINES) {
      const { result } = await grepWith(engine, [a.root, b.root], { pattern: 'needle' });
      expect(result.output.split('\n').slice(1)).toEqual(['alpha/x.txt:1:needle', 'beta/y.txt:1:needle']);
    }
  });

  it('rejects malformed arguments', async () => {
    const tool = createGrepTool();
    await expectToolError(() => tool.parse('{"pattern": ""}'), 'invalid_arguments', /must not be empty/);
    await expectToolError(
      () => tool.parse('{"pattern": "x", "case": "upper"}'),
      'invalid_arguments',
      /one of "smart", "sensitive", "insensitive"/,
    );
    await expectToolError(
      () => tool.parse('{"pattern": "x", "include": "*.ts"}'),
      'invalid_arguments',
      /must be an array/,
    );
    await expectToolError(() => tool.parse('{"pattern": "x", "context_lines": 50}'), 'invalid_arguments', /at most 10/);
    await expectToolError(
      () => tool.parse('{"pattern": "x", "regex": true}'),
      'invalid_arguments',
      /unknown field 'regex'/,
    );
  });
});

describe('ripgrep location', () => {
  it('probes the layouts VS Code has used, newest first', () => {
    const c = editorRipgrepCandidates('/app', 'linux', 'x64');
    expect(c[0]).toBe('/app/node_modules/@vscode/ripgrep-universal/bin/linux-x64/rg');
    expect(c).toContain('/app/node_modules/@vscode/ripgrep/bin/rg');
    expect(c).toContain('/app/node_modules.asar.unpacked/@vscode/ripgrep/bin/rg');
    expect(c).toContain('/app/node_modules.asar.unpacked/@vscode/ripgrep-universal/bin/linux-x64/rg');
    expect(editorRipgrepCandidates('C:\\app', 'win32', 'arm64')[0]).toMatch(/win32-arm64[\\/]rg\.exe$/);
  });

  it('finds the older layout when only it exists', () => {
    const exists = (p: string) => p === '/app/node_modules.asar.unpacked/@vscode/ripgrep/bin/rg';
    expect(findEditorRipgrep('/app', 'darwin', 'arm64', exists)).toBe(
      '/app/node_modules.asar.unpacked/@vscode/ripgrep/bin/rg',
    );
    expect(findEditorRipgrep(undefined)).toBeUndefined();
  });

  it("finds the real VS Code build's ripgrep", () => {
    if (!fs.existsSync(APP_ROOT)) return expect(PATH_RG, 'neither VS Code tools nor rg on PATH').toBeTruthy();
    expect(EDITOR_RG).toBe(
      path.join(APP_ROOT, `node_modules/@vscode/ripgrep-universal/bin/${process.platform}-${process.arch}/rg`),
    );
  });

  it('looks up rg on PATH', () => {
    const dir = fixture({ 'bin/rg': '#!/bin/sh\n' });
    fs.chmodSync(dir.abs('bin/rg'), 0o755);
    expect(findOnPath('rg', `/nonexistent:${dir.abs('bin')}`)).toBe(dir.abs('bin/rg'));
    expect(findOnPath('rg', '/nonexistent')).toBeUndefined();
  });
});
