// The ripgrep engine reads ripgrep's standard output (grep-ripgrep-plain.ts) instead of --json,
// from a spool file ripgrep writes at its own pace (a pipe on Windows), and searches again with
// --json what that output cannot say exactly. These tests hold it to
// --json: random trees of hostile files (CRLF and lone CR line ends, unterminated last lines,
// bytes that are not UTF-8 in lines and in file names, lines long enough to be cut around the
// match, binary files with matches before and after the NUL and past the first read buffer, file
// names with a line feed and names that imitate ripgrep's binary message), searched by every
// ripgrep found, must give the same files, lines, counts and notes both ways. The parser itself
// must read any split of the stream into chunks the same, and refuse what it cannot read.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/prng.ts';
import { ripgrepArgs, ripgrepEngine } from '../../../src/tools/grep-ripgrep.ts';
import { RipgrepPlainParser } from '../../../src/tools/grep-ripgrep-plain.ts';
import type { PlainFile } from '../../../src/tools/grep-ripgrep-plain.ts';
import type { FileMode, GrepFileResult, GrepQuery } from '../../../src/tools/grep-search.ts';
import { WorkspaceGuard } from '../../../src/tools/guard.ts';
import { NodeHost } from '../../../src/tools/node-host.ts';
import { findEditorRipgrep, findOnPath } from '../../../src/tools/ripgrep-locate.ts';
import { withDefaults } from '../../../src/tools/settings.ts';
import { cleanupFixtures, fixture, waitUntil } from './helpers.ts';

afterAll(cleanupFixtures);

const REPO = path.resolve(import.meta.dirname, '../../..');
/** Every ripgrep here: VS Code's (15.x, from .ci/vscode-tools) and Debian's (13.x) when installed. */
const RIPGREPS = [
  ...new Map(
    [findEditorRipgrep(path.join(REPO, '.tools/vscode/node_modules/code-server/lib/vscode')), findOnPath('rg')]
      .filter((p): p is string => !!p)
      .map((p) => [fs.realpathSync(p), p]),
  ).values(),
];

type Run = 'json' | 'plain' | 'again' | 'fallback';

interface Searched {
  files: Array<{ rel: string; lines: GrepFileResult['lines']; matches: number }>;
  binary: string[];
  tooLarge: string[];
  warnings: string[];
  runs: Run[];
}

/** One search of `root` by the ripgrep engine; `modes` decides what each file asks for next. */
async function search(
  rg: string,
  root: string,
  q: Partial<GrepQuery> & { pattern: string },
  output: 'plain' | 'json',
  modes: (n: number) => FileMode = () => 'full',
  spool = true,
): Promise<Searched> {
  const host = new NodeHost({ roots: [root] });
  const guard = new WorkspaceGuard(host, withDefaults());
  const query: GrepQuery = {
    literal: false,
    ignoreCase: false,
    context: 0,
    include: [],
    exclude: [],
    maxFileBytes: 1 << 20,
    deadline: Date.now() + 20_000,
    ...q,
  };
  const runs: Run[] = [];
  const files: Searched['files'] = [];
  const outcome = await ripgrepEngine(rg, { output, spool, onRun: (r) => runs.push(r) }).search(
    guard,
    [{ root: guard.roots()[0]!, rel: '', isFile: false }],
    query,
    new AbortController().signal,
    (f) => {
      files.push({ rel: f.rel, lines: f.lines, matches: f.matches });
      return modes(files.length);
    },
  );
  files.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return {
    files,
    binary: outcome.binary.map((f) => `${f.rel} (${f.matches})`).sort(),
    tooLarge: outcome.tooLarge.map((f) => `${f.rel} (${f.size})`).sort(),
    warnings: outcome.warnings,
    runs,
  };
}

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** A random file's bytes: lines that match "needle" or not, with every kind of line end and text. */
function randomContent(rnd: () => number): Buffer {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const parts: Buffer[] = [];
  const n = int(0, 12);
  for (let i = 0; i < n; i++) {
    const text = pick([
      () => bytes('plain line'),
      () => bytes('a needle here'),
      () => bytes(''),
      () => bytes('x'.repeat(int(250, 700)), ' needle ', 'y'.repeat(int(0, 400))), // cut around the match
      () => bytes('é😀'.repeat(int(100, 200)), 'needle'), // long in bytes, the match after multi-byte text
      () => bytes('bad ', [0xff, 0xfe], ' needle ', [0xc3]), // not UTF-8
      () => bytes('cr\rinside needle'),
      () => bytes('needle', '\t', 'tab'),
    ])();
    const end = i < n - 1 ? pick(['\n', '\r\n', '\r\r\n']) : pick(['\n', '\r\n', '', '\r', '\r\r', '\r\r\n']);
    parts.push(text, Buffer.from(end));
  }
  let content = Buffer.concat(parts);
  const kind = rnd();
  if (kind < 0.04) {
    content = Buffer.concat([content, Buffer.from('needle\0needle\n')]);
  } else if (kind < 0.12) {
    // Binary: a NUL before, between or after the matches.
    const at = int(0, content.length);
    content = Buffer.concat([content.subarray(0, at), Buffer.from([0]), content.subarray(at)]);
  } else if (kind < 0.17) {
    // Binary past the first read buffer: lines before the NUL are printed before ripgrep sees it.
    content = Buffer.concat([
      Buffer.from('needle early\n'.repeat(7000)),
      content,
      Buffer.from([0]),
      Buffer.from('needle late\n'),
    ]);
  }
  return content;
}

const NAMES = [
  'f.txt',
  'sub/g.ts',
  'sub/deep/h.md',
  'with space.txt',
  'co:lon.txt',
  'ünï.txt',
  '-dash.txt',
  '.hidden',
  'dist/out.js',
  'keep.log',
];

function randomTree(seed: number): string {
  const rnd = mulberry32(seed);
  const ws = fixture({ '.gitignore': 'dist/\n*.log\n!keep.log\n' });
  const count = 1 + Math.floor(rnd() * 9);
  for (let i = 0; i < count; i++) {
    const name = NAMES[Math.floor(rnd() * NAMES.length)]!;
    ws.write(name.replace(/(\.\w+)?$/, `${i}$1`), randomContent(rnd));
  }
  if (rnd() < 0.3) {
    // A file name that is not UTF-8.
    fs.writeFileSync(
      Buffer.concat([Buffer.from(`${ws.root}/n`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]),
      randomContent(rnd),
    );
  }
  return ws.root;
}

describe('the ripgrep engine: standard output read as --json reads it', () => {
  it('has a ripgrep to test with', () => {
    expect(RIPGREPS.length, 'no ripgrep: run .ci/vscode-tools or apt-get install ripgrep').toBeGreaterThan(0);
  });

  for (const rg of RIPGREPS) {
    const label = spawnSync(rg, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];

    it(`${label}: 60 random hostile trees, ignoring case or not, small size limits, and with context (then --json alone)`, async () => {
      let fallbacks = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const root = randomTree(seed);
        const q = {
          // (Not a bare "$": with --crlf, ripgrep 13 panics on it, in a walk silently and on a named file with exit 101.)
          pattern: seed % 5 === 0 ? 'NEEDLE' : seed % 7 === 0 ? '^' : 'needle',
          ignoreCase: seed % 5 === 0,
          context: seed % 6 === 0 ? 1 + (seed % 4) : 0,
          maxFileBytes: seed % 4 === 0 ? 200 : 1 << 20,
        };
        // ripgrep writes to a spool file (the default) or, for odd seeds, to a pipe (as on Windows).
        const spool = seed % 2 === 0;
        const json = await search(rg, root, q, 'json', undefined, !spool);
        const plain = await search(rg, root, q, 'plain', undefined, spool);
        const what = `seed ${seed}, ${JSON.stringify(q)}, ${spool ? 'spool' : 'pipe'}, runs ${plain.runs.join(',')}`;
        expect(json.runs).toEqual(['json']);
        expect(plain.files, what).toEqual(json.files);
        expect(plain.binary, what).toEqual(json.binary);
        expect(plain.tooLarge, what).toEqual(json.tooLarge);
        expect(plain.warnings, what).toEqual(json.warnings);
        // With context lines ripgrep's standard output leaves binary files out, so --json is read.
        expect(plain.runs[0], what).toBe(q.context > 0 ? 'json' : 'plain');
        if (plain.runs.includes('fallback')) fallbacks++;
      }
      // The standard output is what is read: only a file name that is not UTF-8 (which cannot be
      // named on a command line again) sends a whole tree back to --json here.
      expect(fallbacks).toBeLessThan(10);
    }, 60_000);

    it(`${label}: counting only (after a few files), the counts agree`, async () => {
      for (let seed = 100; seed < 120; seed++) {
        const root = randomTree(seed);
        const modes = (n: number): FileMode => (n >= 2 ? 'count' : 'full');
        const json = await search(rg, root, { pattern: 'needle' }, 'json', modes);
        const plain = await search(rg, root, { pattern: 'needle' }, 'plain', modes);
        const total = (s: Searched) => s.files.reduce((k, f) => k + f.matches, 0);
        expect(total(plain), `seed ${seed}`).toBe(total(json));
        expect(
          plain.files.map((f) => f.rel),
          `seed ${seed}`,
        ).toEqual(json.files.map((f) => f.rel));
        expect(plain.binary, `seed ${seed}`).toEqual(json.binary);
      }
    }, 60_000);

    it(`${label}: what the standard output cannot say is searched again, or the whole search is`, async () => {
      const ws = fixture({
        'plain.txt': 'a needle\nno\n',
        'crlf.txt': 'needle one\r\nneedle two\r\n',
        'unterminated-cr.txt': 'needle\r', // prints as "needle\r\r\n", as would a line "needle\r\r\n"
        'long.txt': `${'é'.repeat(400)} needle\n`,
        'data.bin': Buffer.from('needle\n\0\nneedle\n'),
        // A walk reads a NUL as a line end (two matching lines); a named file is memory-mapped
        // and searched up to its first match after the NUL, unless --no-mmap.
        'split.bin': Buffer.from('needle\0needle\n'),
      });
      const both = async () =>
        [
          await search(rg, ws.root, { pattern: 'needle' }, 'json'),
          await search(rg, ws.root, { pattern: 'needle' }, 'plain'),
        ] as const;
      let [json, plain] = await both();
      expect(plain).toEqual({ ...json, runs: ['plain', 'again'] });
      expect(json.binary).toEqual(['data.bin (2)', 'split.bin (2)']);
      expect(json.files.find((f) => f.rel === 'long.txt')!.lines[0]!.column).toBe(401);

      // A file name with a line feed: the line up to it is no match line, so the root is searched with --json.
      ws.write('odd\nname.txt', 'needle\n');
      [json, plain] = await both();
      expect(plain).toEqual({ ...json, runs: ['plain', 'fallback'] });
      expect(json.files.map((f) => f.rel)).toContain('odd\nname.txt');
      fs.rmSync(ws.abs('odd\nname.txt'));

      // A name made to look like ripgrep's binary message for another file, then a path.
      const forged = 'x: binary file matches (found "\\0" byte around offset 1)\n.';
      ws.write(`${forged}/z.txt`, 'needle in the forged file\n');
      [json, plain] = await both();
      expect(plain.files, 'no file named x exists').toEqual(json.files);
      expect(plain.runs).toContain('fallback');
      expect(json.files.map((f) => f.rel)).toContain(`${forged}/z.txt`);
      // Now x exists, and is a binary file that matches: its real message names it twice.
      ws.write('x', Buffer.from('needle\0'));
      ws.write('z.txt', 'needle\n');
      [json, plain] = await both();
      expect({ ...plain, runs: [] }, 'x exists and matches').toEqual({ ...json, runs: [] });
      expect(plain.runs).toContain('fallback');
    });
  }
});

describe('the spool file', () => {
  const openFds = () => fs.readdirSync('/dev/fd').length;

  it('is closed after every search: whole, stopped at a cap, cancelled, and when ripgrep cannot start', async () => {
    const rg = RIPGREPS[0];
    expect(rg, 'no ripgrep').toBeDefined();
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`d${i % 7}/f${i}.txt`] = 'needle\n'.repeat(50);
    const ws = fixture(files);
    const host = new NodeHost({ roots: [ws.root] });
    const guard = new WorkspaceGuard(host, withDefaults());
    const query: GrepQuery = {
      pattern: 'needle',
      literal: false,
      ignoreCase: false,
      context: 0,
      include: [],
      exclude: [],
      maxFileBytes: 1 << 20,
      deadline: Date.now() + 20_000,
    };
    const targets = [{ root: guard.roots()[0]!, rel: '', isFile: false }];
    await search(rg!, ws.root, { pattern: 'needle' }, 'plain'); // warm: the first search opens what stays open
    const before = openFds();
    for (let k = 0; k < 5; k++) {
      let n = 0;
      expect((await search(rg!, ws.root, { pattern: 'needle' }, 'plain')).files).toHaveLength(300);
      const capped = await ripgrepEngine(rg!).search(guard, targets, query, new AbortController().signal, () =>
        ++n >= 3 ? 'stop' : 'full',
      );
      expect(capped.stoppedBy).toBe('limit');
      const controller = new AbortController();
      const cancelled = await ripgrepEngine(rg!).search(guard, targets, query, controller.signal, () => {
        controller.abort();
        return 'full';
      });
      expect(cancelled.stoppedBy).toBe('cancelled');
      await expect(
        ripgrepEngine(path.join(ws.root, 'no-such-rg')).search(
          guard,
          targets,
          query,
          new AbortController().signal,
          () => 'full',
        ),
      ).rejects.toThrow(/could not run ripgrep/);
    }
    // (Closing is asynchronous; fifteen searches that each left a file open would leave fifteen.)
    expect(await waitUntil(() => openFds() <= before), `${openFds()} open, ${before} before`).toBe(true);
  });
});

describe('the standard-output parser', () => {
  const parse = (chunks: Buffer[]) => {
    const files: PlainFile[] = [];
    const anomalies: string[] = [];
    const p = new RipgrepPlainParser({
      columnAfter: 300,
      wantLines: () => true,
      onFile: (f) => files.push(f),
      onAnomaly: (w) => anomalies.push(w),
    });
    for (const c of chunks) p.push(c);
    p.end();
    return { files: files.map((f) => ({ ...f, pathBytes: Buffer.from(f.pathBytes) })), anomalies };
  };

  it('reads any split of real ripgrep output into chunks as it reads the whole', async () => {
    const rg = RIPGREPS[0];
    expect(rg, 'no ripgrep').toBeDefined();
    for (const seed of [7, 8]) {
      const root = randomTree(seed);
      const host = new NodeHost({ roots: [root] });
      const guard = new WorkspaceGuard(host, withDefaults());
      const query: GrepQuery = {
        pattern: 'needle',
        literal: false,
        ignoreCase: false,
        context: 0,
        include: [],
        exclude: [],
        maxFileBytes: 1 << 20,
        deadline: 0,
      };
      await guard.prepare(guard.roots()[0]!, '');
      const out = spawnSync(rg!, ripgrepArgs(guard, guard.roots()[0]!, query, ['.'], 'plain'), { cwd: root }).stdout;
      expect(out.length).toBeGreaterThan(0);
      const whole = parse([out]);
      expect(whole.anomalies).toEqual([]);
      const rnd = mulberry32(seed);
      for (let k = 0; k < 200; k++) {
        const chunks: Buffer[] = [];
        for (let at = 0; at < out.length; ) {
          const size = 1 + Math.floor(rnd() * (k % 2 ? 8 : 200));
          chunks.push(out.subarray(at, at + size));
          at += size;
        }
        expect(parse(chunks)).toEqual(whole);
      }
    }
  });

  it('reads lines, CR LF and binary messages, and marks what needs --json', () => {
    const out = Buffer.concat([
      bytes('./a.txt\0', '3:one\r\n', './a.txt\0', '4:two\n'),
      bytes('./d.txt\0', '9:x\r\r\n', './d.txt\0', '10:y\n'),
      bytes('./b.bin: binary file matches (found "\\0" byte around offset 7)\n'),
      bytes('./c.txt\0', '1:', [0xff], 'é\n'),
    ]);
    const { files, anomalies } = parse([out]);
    expect(anomalies).toEqual([]);
    expect(files.map((f) => [f.path, f.matches, f.binary, f.redo, f.lines])).toEqual([
      [
        './a.txt',
        2,
        false,
        false,
        [
          { line: 3, text: 'one', match: true, column: 0 },
          { line: 4, text: 'two', match: true, column: 0 },
        ],
      ],
      // "x\r\r\n" could be an unterminated last line "x\r", ended with CR LF by ripgrep.
      [
        './d.txt',
        2,
        false,
        true,
        [
          { line: 9, text: 'x\r', match: true, column: 0 },
          { line: 10, text: 'y', match: true, column: 0 },
        ],
      ],
      ['./b.bin', 0, true, true, []],
      // The file after a binary message is searched again: a file name could have made that message.
      ['./c.txt', 1, false, true, [{ line: 1, text: '\ufffdé', match: true, column: 0 }]],
    ]);
  });

  it('refuses a line of any other shape, once, and reads nothing after it', () => {
    // A path with a line feed, no line number, no ":" after it, a context line, a separator.
    for (const bad of [
      './a\nb.txt\x001:x\n',
      './a.txt\x00x:y\n',
      './a.txt\x001\n',
      './a.txt\x001=x\n',
      './a.txt\x001-x\n',
      '--\n',
    ]) {
      const { files, anomalies } = parse([Buffer.from(`./ok.txt\x001:fine\n${bad}./later.txt\x001:y\n`)]);
      expect(anomalies, JSON.stringify(bad)).toHaveLength(1);
      expect(
        files.map((f) => f.path),
        JSON.stringify(bad),
      ).not.toContain('./later.txt');
    }
    // Output that ends inside a line.
    expect(parse([Buffer.from('./ok.txt\x001:fine\n./a.txt\x001:cut off')]).anomalies).toHaveLength(1);
  });
});
