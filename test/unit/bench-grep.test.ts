// The grep benchmark's runner (bench/grep/run.ts): how it reads the grep tool's summary, checked
// against the shapes the tool writes and against the real tool's output, and which rg it picks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editorAppRoot, locateBenchRipgrep, parseGrepSummary } from '../../bench/grep/support.ts';
import { createGrepTool } from '../../src/tools/grep.ts';
import { editorRipgrepCandidates } from '../../src/tools/ripgrep-locate.ts';
import { cleanupFixtures, context, fixture, run } from './tools/helpers.ts';

afterAll(cleanupFixtures);

describe('parseGrepSummary', () => {
  it('reads the singular, the plural and a mix of both', () => {
    expect(parseGrepSummary('1 match in 1 file')).toEqual({ lines: 1, files: 1, atLeast: false, timedOut: false });
    expect(parseGrepSummary('2 matches in 1 file')).toEqual({ lines: 2, files: 1, atLeast: false, timedOut: false });
    expect(parseGrepSummary('346656 matches in 31250 files')).toEqual({
      lines: 346_656,
      files: 31_250,
      atLeast: false,
      timedOut: false,
    });
    expect(parseGrepSummary('1,234 matches in 2 files').lines).toBe(1234);
  });

  it('reads a lower bound (cap, cut count or time limit)', () => {
    expect(parseGrepSummary('200+ matches in 14 files')).toEqual({
      lines: 200,
      files: 14,
      atLeast: true,
      timedOut: false,
    });
    expect(parseGrepSummary('1+ match in 1 file')).toEqual({ lines: 1, files: 1, atLeast: true, timedOut: false });
  });

  it('reads zero, with and without the time limit', () => {
    expect(parseGrepSummary('no matches')).toEqual({ lines: 0, files: 0, atLeast: false, timedOut: false });
    expect(parseGrepSummary('no matches (time limit)')).toEqual({ lines: 0, files: 0, atLeast: false, timedOut: true });
  });

  it('throws on any other shape, naming it', () => {
    for (const bad of [
      undefined,
      '',
      '1 matches in 1 file',
      '2 match in 1 file',
      '2 matches in 1 files',
      '3 matches in 0 files',
      '0 matches in 0 files',
      'matches in 2 files',
      '3 matching lines in 2 files',
      '3 matches',
      'no matches at all',
      'Error: bad pattern',
    ]) {
      expect(() => parseGrepSummary(bad), String(bad)).toThrow(/unexpected summary/);
    }
    expect(() => parseGrepSummary('3 lines')).toThrow('unexpected summary "3 lines"');
  });

  it('reads what the grep tool really writes: one match, several, none', async () => {
    const ws = fixture({
      'a.ts': 'const one = 1;\nlet two = 2;\n',
      'b.ts': 'const three = 3;\n',
      'c.md': 'nothing here\n',
    });
    const grep = createGrepTool({ engine: 'node' });
    const ctx = context(ws.root);
    const summary = async (pattern: string) => (await run(grep, { pattern }, ctx)).summary;
    expect(parseGrepSummary(await summary('let two'))).toMatchObject({ lines: 1, files: 1, atLeast: false });
    expect(parseGrepSummary(await summary('const'))).toMatchObject({ lines: 2, files: 2, atLeast: false });
    expect(parseGrepSummary(await summary('(const|let) '))).toMatchObject({ lines: 3, files: 2, atLeast: false });
    expect(parseGrepSummary(await summary('absent_word'))).toMatchObject({ lines: 0, files: 0 });
  });
});

describe('locateBenchRipgrep', () => {
  const repo = path.join(os.tmpdir(), 'no-such-warmline-repo');
  const editorRg = editorRipgrepCandidates(editorAppRoot(repo))[0]!;
  const onPath = path.join('/opt/bin', process.platform === 'win32' ? 'rg.exe' : 'rg');
  const existing =
    (...files: string[]) =>
    (p: string) =>
      files.includes(p);

  it("takes WARMLINE_BENCH_RG first, then rg on PATH, then code-server's rg", () => {
    const all = existing('/custom/rg', onPath, editorRg);
    expect(locateBenchRipgrep({ WARMLINE_BENCH_RG: '/custom/rg', PATH: '/opt/bin' }, repo, all)).toEqual({
      path: path.resolve('/custom/rg'),
      source: 'WARMLINE_BENCH_RG',
    });
    expect(locateBenchRipgrep({ PATH: '/opt/bin' }, repo, all)).toEqual({ path: onPath, source: 'PATH' });
    expect(locateBenchRipgrep({ PATH: '/elsewhere' }, repo, all)).toEqual({
      path: editorRg,
      source: "code-server's VS Code",
    });
    expect(locateBenchRipgrep({}, repo, all)).toEqual({ path: editorRg, source: "code-server's VS Code" });
    expect(locateBenchRipgrep({ WARMLINE_BENCH_RG: '', PATH: '/opt/bin' }, repo, all)?.source).toBe('PATH');
  });

  it('finds nothing when there is no rg anywhere, and refuses an override that is not there', () => {
    expect(locateBenchRipgrep({ PATH: '/opt/bin' }, repo, existing())).toBeUndefined();
    expect(() =>
      locateBenchRipgrep({ WARMLINE_BENCH_RG: '/custom/rg', PATH: '/opt/bin' }, repo, existing(onPath)),
    ).toThrow(/WARMLINE_BENCH_RG=.*not an executable file/);
  });

  it('with the real file system: an executable override is taken, a plain file is not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-bench-rg-'));
    try {
      const exe = path.join(dir, 'rg');
      fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
      const plain = path.join(dir, 'plain');
      fs.writeFileSync(plain, '', { mode: 0o644 });
      expect(locateBenchRipgrep({ WARMLINE_BENCH_RG: exe, PATH: '' }, repo)).toEqual({
        path: exe,
        source: 'WARMLINE_BENCH_RG',
      });
      expect(locateBenchRipgrep({ PATH: dir }, repo)).toEqual({ path: exe, source: 'PATH' });
      if (process.platform !== 'win32')
        expect(() => locateBenchRipgrep({ WARMLINE_BENCH_RG: plain }, repo)).toThrow(/not an executable file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
