import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { listFilesTool } from '../../../src/tools/list-files.ts';
import { readFileTool } from '../../../src/tools/read-file.ts';
import { cleanupFixtures, context, expectToolError, fixture, run } from './helpers.ts';

afterAll(cleanupFixtures);

describe('read_file', () => {
  const text = `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

  it('reads a whole file with line numbers', async () => {
    const ws = fixture({ 'src/a.ts': 'const a = 1;\nconst b = 2;\n' });
    const r = await run(readFileTool, { path: 'src/a.ts' }, context(ws.root));
    expect(r.output).toBe('src/a.ts: lines 1-2 of 2\n1\tconst a = 1;\n2\tconst b = 2;');
    expect(r.isError).toBeFalsy();
  });

  it('reads a line range, numbers aligned', async () => {
    const ws = fixture({ 'a.txt': text });
    const r = await run(readFileTool, { path: 'a.txt', start_line: 9, end_line: 11 }, context(ws.root));
    expect(r.output).toBe('a.txt: lines 9-11 of 30\n 9\tline 9\n10\tline 10\n11\tline 11');
    const tail = await run(readFileTool, { path: 'a.txt', start_line: 29, end_line: null }, context(ws.root));
    expect(tail.output.split('\n').slice(1)).toEqual(['29\tline 29', '30\tline 30']);
  });

  it('says when a range starts past the end, or is reversed', async () => {
    const ws = fixture({ 'a.txt': text });
    await expectToolError(
      run(readFileTool, { path: 'a.txt', start_line: 31 }, context(ws.root)),
      'invalid_arguments',
      /past the end.*30 lines/,
    );
    await expectToolError(
      run(readFileTool, { path: 'a.txt', start_line: 5, end_line: 2 }, context(ws.root)),
      'invalid_arguments',
      /before start_line/,
    );
  });

  it('reads the editor buffer when the file is open with unsaved changes', async () => {
    const ws = fixture({ 'a.txt': 'on disk\n' });
    const ctx = context(ws.root);
    ctx.host.setOpenDocument(ws.abs('a.txt'), 'in the editor\n');
    const r = await run(readFileTool, { path: 'a.txt' }, ctx);
    expect(r.output).toContain('1\tin the editor');
    expect(r.output).toContain('unsaved changes');
  });

  it('refuses binaries', async () => {
    const ws = fixture({ 'img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]) });
    await expectToolError(run(readFileTool, { path: 'img.png' }, context(ws.root)), 'binary', /binary file/);
  });

  it('refuses a file over the size limit, naming size and limit, but reads a range of it', async () => {
    const ws = fixture({ 'big.log': `${'x'.repeat(100)}\n${'y'.repeat(3000)}\nlast\n` });
    const ctx = context(ws.root, { maxReadBytes: 1000 });
    await expectToolError(
      run(readFileTool, { path: 'big.log' }, ctx),
      'too_large',
      /3\.0 KB, over the 1000 bytes limit.*start_line/,
    );
    const r = await run(readFileTool, { path: 'big.log', start_line: 3, end_line: 3 }, ctx);
    expect(r.output).toMatch(/^big\.log: lines 3-3 \(a 3\.0 KB file, read by range\)\n3\tlast$/);
  });

  it('keeps head and tail of a long file and says which lines to read', async () => {
    const ws = fixture({ 'long.txt': Array.from({ length: 5000 }, (_, i) => `row ${i + 1}`).join('\n') });
    const r = await run(readFileTool, { path: 'long.txt' }, context(ws.root, { maxOutputBytes: 4000 }));
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(4000);
    expect(r.output).toContain('\n   1\trow 1\n');
    expect(r.output).toMatch(/5000\trow 5000$/);
    expect(r.output).toMatch(
      /\[\.\.\. [\d,]+ bytes \([\d,]+ lines\) cut \.\.\.; read the missing lines with start_line\/end_line/,
    );
  });

  it('cuts very long lines', async () => {
    const ws = fixture({ 'min.js': 'a'.repeat(10_000) });
    const r = await run(readFileTool, { path: 'min.js' }, context(ws.root));
    expect(r.output).toMatch(/… \[\+8000 chars\]$/);
  });

  it('refuses secrets, ignored files and paths outside', async () => {
    const ws = fixture({ '.env': 'KEY=1', '.gitignore': 'dist/\n', 'dist/a.js': 'x' });
    const ctx = context(ws.root);
    await expectToolError(run(readFileTool, { path: '.env' }, ctx), 'secret');
    await expectToolError(run(readFileTool, { path: 'dist/a.js' }, ctx), 'ignored');
    await expectToolError(run(readFileTool, { path: '../x' }, ctx), 'outside_workspace');
  });

  it('suggests the nearest name for a missing file, and refuses folders', async () => {
    const ws = fixture({ 'src/index.ts': 'x', 'src/util/': '' });
    await expectToolError(
      run(readFileTool, { path: 'src/indx.ts' }, context(ws.root)),
      'not_found',
      /Did you mean 'src\/index\.ts'/,
    );
    await expectToolError(run(readFileTool, { path: 'src/util' }, context(ws.root)), 'invalid_arguments', /folder/);
  });

  it('validates arguments strictly', async () => {
    const ws = fixture({ 'a.txt': 'x' });
    const ctx = context(ws.root);
    await expectToolError(() => readFileTool.parse('{not json'), 'invalid_arguments', /not valid JSON/);
    await expectToolError(
      () => readFileTool.parse('{"path": 3}'),
      'invalid_arguments',
      /'path' must be a string, got number 3/,
    );
    await expectToolError(() => readFileTool.parse('{}'), 'invalid_arguments', /missing required field 'path'/);
    await expectToolError(
      () => readFileTool.parse('{"path":"a.txt","mode":"fast"}'),
      'invalid_arguments',
      /unknown field 'mode'/,
    );
    await expectToolError(
      () => readFileTool.parse('{"path":"a.txt","start_line":"3"}'),
      'invalid_arguments',
      /must be an integer/,
    );
    await expectToolError(
      () => readFileTool.parse('{"path":"a.txt","start_line":0}'),
      'invalid_arguments',
      /at least 1/,
    );
    await expectToolError(() => readFileTool.parse('["a.txt"]'), 'invalid_arguments', /JSON object/);
    expect((await run(readFileTool, '{"path":"a.txt","start_line":null,"end_line":null}', ctx)).output).toContain(
      '1\tx',
    );
  });
});

describe('list_files', () => {
  const files = {
    '.gitignore': 'dist/\n',
    'README.md': '#',
    'src/index.ts': 'x',
    'src/util/strings.ts': 'x',
    'src/util/strings.test.ts': 'x',
    'docs/guide.md': '#',
    'dist/bundle.js': 'x',
    '.env': 'K=1',
    '.git/HEAD': 'ref',
    'node_modules/lib/index.js': 'x',
    '.github/workflows/ci.yml': 'on: push',
  };

  it('lists a folder flat, folders with a slash, hiding ignored, secret, .git and node_modules', async () => {
    const ws = fixture(files);
    const r = await run(listFilesTool, {}, context(ws.root));
    expect(r.output.split('\n')).toEqual(['5 entries in .:', '.github/', '.gitignore', 'README.md', 'docs/', 'src/']);
  });

  it('lists recursively', async () => {
    const ws = fixture(files);
    const r = await run(listFilesTool, { path: 'src', recursive: true }, context(ws.root));
    expect(r.output.split('\n').slice(1)).toEqual([
      'src/index.ts',
      'src/util/',
      'src/util/strings.test.ts',
      'src/util/strings.ts',
    ]);
  });

  it('finds files by glob; a glob without a slash matches names at any depth', async () => {
    const ws = fixture(files);
    const md = await run(listFilesTool, { glob: '*.md' }, context(ws.root));
    expect(md.output.split('\n').slice(1)).toEqual(['README.md', 'docs/guide.md']);
    const tests = await run(listFilesTool, { path: 'src/**/*.test.ts' }, context(ws.root));
    expect(tests.output.split('\n').slice(1)).toEqual(['src/util/strings.test.ts']);
  });

  it('lists inside node_modules when asked by path', async () => {
    const ws = fixture(files);
    const r = await run(listFilesTool, { path: 'node_modules/lib' }, context(ws.root));
    expect(r.output).toContain('node_modules/lib/index.js');
  });

  it('caps the listing and says how many were left out', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++) many[`f/${String(i).padStart(2, '0')}.txt`] = 'x';
    const ws = fixture(many);
    const r = await run(listFilesTool, { path: 'f' }, context(ws.root, { maxListEntries: 10 }));
    expect(r.output.split('\n').filter((l) => l.startsWith('f/'))).toHaveLength(10);
    expect(r.output).toMatch(/\[\.\.\. 30 more entries not shown \(limit 10\); narrow the listing with path or glob\]/);
    expect(r.summary).toBe('40 entries (10 shown)');
  });

  it('refuses secret and ignored folders by name, and paths outside', async () => {
    const ws = fixture({ ...files, 'keys/id_rsa': 'x', 'vault/token.txt': 'x', '.warmlineignore': 'docs/\n' });
    const ctx = context(ws.root);
    await expectToolError(run(listFilesTool, { path: 'dist' }, ctx), 'ignored');
    await expectToolError(run(listFilesTool, { path: 'docs' }, ctx), 'ignored', /\.warmlineignore/);
    await expectToolError(run(listFilesTool, { path: '..' }, ctx), 'outside_workspace');
    const keys = await run(listFilesTool, { path: 'keys' }, ctx);
    expect(keys.output).not.toContain('id_rsa');
    await expectToolError(run(listFilesTool, { path: 'keys/id_rsa' }, ctx), 'secret');
    await expectToolError(
      run(listFilesTool, { path: 'vault' }, context(ws.root, { secretPatterns: ['vault/'] })),
      'secret',
    );
    expect((await run(listFilesTool, { glob: '**/*' }, ctx)).output).not.toMatch(/\.env|id_rsa/);
  });

  it('lists the workspace folders of a multi-root workspace', async () => {
    const a = fixture({ 'a.txt': 'x' }, 'alpha');
    const b = fixture({ 'b.txt': 'x' }, 'beta');
    const r = await run(listFilesTool, {}, context([a.root, b.root]));
    expect(r.output).toBe('Workspace folders:\nalpha/\nbeta/');
    const inB = await run(listFilesTool, { path: 'beta' }, context([a.root, b.root]));
    expect(inB.output).toContain('beta/b.txt');
  });

  it('says when a path is a file or missing', async () => {
    const ws = fixture(files);
    expect((await run(listFilesTool, { path: 'README.md' }, context(ws.root))).output).toMatch(/is a file/);
    await expectToolError(run(listFilesTool, { path: 'nope' }, context(ws.root)), 'not_found');
    fs.rmSync(ws.abs('src'), { recursive: true });
  });
});
