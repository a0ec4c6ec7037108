// A new user's worst day, generated at test time: thousands of files, a 30 MB log, a JSON file
// that is one 3 MB line, a binary, symbolic-link loops, a 40-level deep path, an ignored build
// folder. grep, list_files and read_file finish, announce every cut, and count right.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFilesTool } from '../../../src/tools/list-files.ts';
import { readFileTool } from '../../../src/tools/read-file.ts';
import { cleanupFixtures, context, expectToolError, fixture, grepEngines, run } from './helpers.ts';
import type { Fixture } from './helpers.ts';

afterAll(cleanupFixtures);

const ENGINES = grepEngines();

const PACKAGES = 30;
const MODULES = 100; // per package: 3,000 source files
const DEPTH = 40;
const deepDir = Array.from({ length: DEPTH }, (_, i) => `d${i + 1}`).join('/');

let ws: Fixture;
beforeAll(() => {
  ws = fixture({ '.gitignore': 'dist/\n' });
  for (let p = 0; p < PACKAGES; p++) {
    const dir = ws.abs(`pkg/p${String(p).padStart(2, '0')}/src`);
    fs.mkdirSync(dir, { recursive: true });
    for (let m = 0; m < MODULES; m++)
      fs.writeFileSync(
        path.join(dir, `m${String(m).padStart(2, '0')}.ts`),
        `import x from './x';\nexport const v${m} = x; // marker\n`,
      );
  }
  fs.mkdirSync(ws.abs('dist'));
  for (let i = 0; i < 100; i++) fs.writeFileSync(ws.abs(`dist/b${i}.js`), 'marker (ignored build output)\n');
  fs.mkdirSync(ws.abs('logs'));
  const huge = Buffer.alloc(30 * 1024 * 1024, 'log line\n');
  huge.write('marker', 0);
  fs.writeFileSync(ws.abs('logs/huge.log'), huge);
  fs.mkdirSync(ws.abs('data'));
  fs.writeFileSync(ws.abs('data/one-line.json'), `["marker",${'1,'.repeat(1_500_000)}1]\n`);
  fs.mkdirSync(ws.abs('assets'));
  fs.writeFileSync(
    ws.abs('assets/logo.png'),
    Buffer.concat([Buffer.from('\x89PNG marker'), Buffer.alloc(64), Buffer.from('marker')]),
  );
  fs.mkdirSync(ws.abs('loop'));
  fs.symlinkSync('..', ws.abs('loop/up'));
  fs.symlinkSync('b', ws.abs('loop/a'));
  fs.symlinkSync('a', ws.abs('loop/b'));
  fs.symlinkSync('self', ws.abs('loop/self'));
  fs.mkdirSync(ws.abs(`deep/${deepDir}`), { recursive: true });
  fs.writeFileSync(ws.abs(`deep/${deepDir}/leaf.txt`), 'the deepest marker\n');
});

describe('a big, messy workspace', () => {
  it.each(ENGINES.map((e) => [e.label, e]))(
    'grep (%s): the first 200 matches, the rest counted, every skipped file named',
    async (_label, engine) => {
      const r = await run(engine.tool, { pattern: 'marker' }, context(ws.root));
      const lines = r.output.split('\n');
      expect(lines[0]).toBe('200 matching lines in 200 files for pattern "marker" in the workspace:');
      // 3,000 modules and the deep leaf match; dist/ is ignored; the log and the JSON are too big; the PNG is binary.
      expect(r.output).toContain(
        '[Stopped at 200 matching lines; there are more: 2,801 more matching lines in 2,801 files are not shown.',
      );
      expect(r.output).toContain(
        '[2 files over the 1.0 MB search limit were not searched: data/one-line.json (2.9 MB), logs/huge.log (30.0 MB). Read a part of one with read_file start_line/end_line.]',
      );
      expect(r.output).toContain('[1 binary file also matches; binary lines are not shown: assets/logo.png (2).]');
      expect(r.output).not.toContain('dist/');
      expect(r.summary).toBe('200+ matches in 200 files');
    },
  );

  it.each(ENGINES.map((e) => [e.label, e]))(
    'grep (%s): the deep path and the symlink loops',
    async (_label, engine) => {
      const deep = await run(engine.tool, { pattern: 'deepest' }, context(ws.root));
      expect(deep.output).toBe(
        `1 matching line in 1 file for pattern "deepest" in the workspace:\ndeep/${deepDir}/leaf.txt:1:the deepest marker\n[2 files over the 1.0 MB search limit were not searched: data/one-line.json (2.9 MB), logs/huge.log (30.0 MB). Read a part of one with read_file start_line/end_line.]`,
      );
      const loop = await run(engine.tool, { pattern: 'marker', path: 'loop' }, context(ws.root));
      expect(loop.output).toBe('No matches for pattern "marker" in loop (case-insensitive).');
    },
  );

  it('list_files: the exact count, the cut announced, links listed but not followed', async () => {
    const r = await run(listFilesTool, { recursive: true }, context(ws.root));
    // pkg/ + 30 packages + 30 src/ + 3,000 modules, .gitignore, logs/ + 1, data/ + 1, assets/ + 1,
    // loop/ + 4 links, deep/ + 40 folders + the leaf.
    const total = 1 + PACKAGES * 2 + PACKAGES * MODULES + 1 + 2 + 2 + 2 + 5 + 1 + DEPTH + 1;
    expect(r.output.split('\n')[0]).toBe(`${total.toLocaleString('en-US')} entries in . (recursive):`);
    expect(r.output).toContain(
      `[... ${(total - 500).toLocaleString('en-US')} more entries not shown (limit 500); narrow the listing with path or glob]`,
    );
    const loop = await run(listFilesTool, { path: 'loop', recursive: true }, context(ws.root));
    expect(loop.output).toBe('4 entries in loop (recursive):\nloop/a\nloop/b\nloop/self\nloop/up');
    const leaf = await run(listFilesTool, { glob: '**/leaf.txt' }, context(ws.root));
    expect(leaf.output).toBe(`1 entry matching '**/leaf.txt' under .:\ndeep/${deepDir}/leaf.txt`);
  });

  it('read_file: the 30 MB log whole is refused with the way in; a range of it streams', async () => {
    await expectToolError(
      run(readFileTool, { path: 'logs/huge.log' }, context(ws.root)),
      'too_large',
      /30\.0 MB, over the 1\.0 MB limit .*start_line and end_line/,
    );
    const r = await run(readFileTool, { path: 'logs/huge.log', start_line: 2, end_line: 3 }, context(ws.root));
    expect(r.output).toBe('logs/huge.log: lines 2-3 (a 30.0 MB file, read by range)\n2\tlog line\n3\tlog line');
    const leaf = await run(readFileTool, { path: `deep/${deepDir}/leaf.txt` }, context(ws.root));
    expect(leaf.output).toBe(`deep/${deepDir}/leaf.txt: lines 1-1 of 1\n1\tthe deepest marker`);
    await expectToolError(run(readFileTool, { path: 'loop/self' }, context(ws.root)), 'not_found');
  });
});
