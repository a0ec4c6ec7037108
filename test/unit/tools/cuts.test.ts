// Every bounded tool says what it cut, and only then: for random trees and budgets, grep,
// list_files and read_file each say "something was left out" exactly when something was, with
// the right counts. Seeds are fixed, so a failure names a case that can be replayed.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/prng.ts';
import { listFilesTool } from '../../../src/tools/list-files.ts';
import { readFileTool } from '../../../src/tools/read-file.ts';
import { cleanupFixtures, context, fixture, grepEngines, run } from './helpers.ts';

afterAll(cleanupFixtures);

const ENGINES = grepEngines();

/** A grep result line that reports a cut: every one of them is a bracketed note. */
const CUT_NOTE = /^\[.*(not shown|not searched|could not be read|time limit|cut)/m;

interface FileSpec {
  rel: string;
  matches: number;
  kind: 'text' | 'big' | 'binary';
}

function randomTree(seed: number) {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const files: FileSpec[] = [];
  const count = int(1, 18);
  for (let i = 0; i < count; i++) {
    const dir = ['', 'a/', 'a/b/', 'c/'][int(0, 3)]!;
    const r = rnd();
    const kind = r < 0.1 ? 'big' : r < 0.18 ? 'binary' : 'text';
    files.push({ rel: `${dir}f${String(i).padStart(2, '0')}.txt`, matches: rnd() < 0.25 ? 0 : int(1, 6), kind });
  }
  const maxReadBytes = 400;
  const contents: Record<string, string | Buffer> = {};
  for (const f of files) {
    const lines: string[] = [];
    for (let k = 0; k < f.matches; k++) lines.push(`line ${k} has the needle`);
    lines.push('plain line');
    let text = `${lines.join('\n')}\n`;
    if (f.kind === 'big') text += `${'x'.repeat(maxReadBytes)}\n`;
    contents[f.rel] = f.kind === 'binary' ? Buffer.concat([Buffer.from(text), Buffer.from([0, 1, 2])]) : text;
  }
  return { files, contents, maxReadBytes, budget: int(1, 25), context: int(0, 1) };
}

describe('grep says what it cut, iff it cut something (random trees and budgets)', () => {
  for (const engine of ENGINES) {
    it(`${engine.label}: 40 random cases`, async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const t = randomTree(seed);
        const ws = fixture(t.contents);
        const ctx = context(ws.root, { maxReadBytes: t.maxReadBytes, maxGrepMatches: 1000 });
        const r = await run(engine.tool, { pattern: 'needle', max_matches: t.budget, context_lines: t.context }, ctx);
        const label = `seed ${seed} (${engine.label}):\n${r.output}`;

        const searchable = t.files.filter((f) => f.kind === 'text');
        const total = searchable.reduce((s, f) => s + f.matches, 0);
        const big = t.files.filter((f) => f.kind === 'big');
        const binary = t.files.filter((f) => f.kind === 'binary' && f.matches > 0);
        const leftOut = total > t.budget || big.length > 0 || binary.length > 0;
        expect(CUT_NOTE.test(r.output), label).toBe(leftOut);

        // Counts: shown + not shown = all; the files named as having more are those not shown in full.
        const shownPerFile = new Map<string, number>();
        for (const line of r.output.split('\n')) {
          const m = /^([\w/]+\.txt):\d+:/.exec(line);
          if (m) shownPerFile.set(m[1]!, (shownPerFile.get(m[1]!) ?? 0) + 1);
        }
        const shown = [...shownPerFile.values()].reduce((s, k) => s + k, 0);
        expect(shown, label).toBe(Math.min(total, t.budget));
        const more = /there are more: (\d+) more matching lines? in (\d+) files? (is|are) not shown/.exec(r.output);
        if (total > t.budget) {
          expect(more, label).not.toBeNull();
          expect(Number(more![1]), label).toBe(total - t.budget);
          const fullyShown = searchable.filter((f) => f.matches > 0 && shownPerFile.get(f.rel) === f.matches).length;
          expect(Number(more![2]), label).toBe(searchable.filter((f) => f.matches > 0).length - fullyShown);
          expect(r.summary, label).toMatch(/^\d+\+ match/);
        } else {
          expect(more, label).toBeNull();
          expect(r.summary ?? '', label).not.toContain('+');
        }
        const sizeNote =
          /\[(\d+) files? over the 400 bytes search limit (?:was|were) not searched: ([^\]]*)\. Read a part/.exec(
            r.output,
          );
        expect(sizeNote ? Number(sizeNote[1]) : 0, label).toBe(big.length);
        for (const f of big.slice(0, 5)) expect(sizeNote![2], label).toContain(f.rel);
        const binaryNote = /\[(\d+) binary files? also match(?:es)?; binary lines are not shown: ([^\]]*)\.\]/.exec(
          r.output,
        );
        expect(binaryNote ? Number(binaryNote[1]) : 0, label).toBe(binary.length);
        for (const f of binary.slice(0, 5)) expect(binaryNote![2], label).toContain(`${f.rel} (${f.matches})`);
      }
    });
  }

  it('says so when the budget fills exactly at a file boundary and more files match (issue 13, point 2)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 500; i++) files[`m/f${String(i).padStart(3, '0')}.txt`] = 'one needle\n';
    const ws = fixture(files);
    for (const engine of ENGINES) {
      const r = await run(engine.tool, { pattern: 'needle' }, context(ws.root));
      expect(r.output.split('\n')[0]).toBe('200 matching lines in 200 files for pattern "needle" in the workspace:');
      expect(r.output).toContain(
        '[Stopped at 200 matching lines; there are more: 300 more matching lines in 300 files are not shown. Narrow the search with path, include or a more specific pattern.]',
      );
      expect(r.summary).toBe('200+ matches in 200 files');
    }
  });

  it('says nothing when the budget fills exactly and nothing else matches', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`f${i}.txt`] = 'one needle\n';
    const ws = fixture(files);
    for (const engine of ENGINES) {
      const r = await run(engine.tool, { pattern: 'needle', max_matches: 5 }, context(ws.root));
      expect(r.output).not.toMatch(CUT_NOTE);
      expect(r.summary).toBe('5 matches in 5 files');
    }
  });
});

describe('list_files says what it cut, iff it cut something', () => {
  it('40 random trees and limits', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = mulberry32(seed * 7919);
      const n = 1 + Math.floor(rnd() * 40);
      const files: Record<string, string> = {};
      for (let i = 0; i < n; i++) files[`${rnd() < 0.5 ? 'd/' : ''}e${i}.txt`] = '';
      const ws = fixture(files);
      const limit = 1 + Math.floor(rnd() * 45);
      const r = await run(listFilesTool, { recursive: true }, context(ws.root, { maxListEntries: limit }));
      const total = Object.keys(files).length + (Object.keys(files).some((f) => f.startsWith('d/')) ? 1 : 0);
      const label = `seed ${seed}: ${total} entries, limit ${limit}\n${r.output}`;
      const note = /\[\.\.\. (\d+) more entries not shown \(limit (\d+)\)/.exec(r.output);
      expect(note !== null, label).toBe(total > limit);
      if (note) expect(Number(note[1]), label).toBe(total - limit);
      expect(r.output.split('\n')[0], label).toBe(`${total} entr${total === 1 ? 'y' : 'ies'} in . (recursive):`);
    }
  });
});

describe('read_file says what it cut, iff it cut something', () => {
  it('40 random files and output budgets', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = mulberry32(seed * 104729);
      const lines = Array.from(
        { length: 1 + Math.floor(rnd() * 200) },
        (_, i) => `line ${i + 1} ${'w'.repeat(Math.floor(rnd() * 60))}`,
      );
      const ws = fixture({ 'f.txt': `${lines.join('\n')}\n` });
      const maxOutputBytes = 300 + Math.floor(rnd() * 6000);
      const r = await run(readFileTool, { path: 'f.txt' }, context(ws.root, { maxOutputBytes }));
      const shown = new Set(
        r.output
          .split('\n')
          .map((l) => /^\s*(\d+)\t/.exec(l)?.[1])
          .filter(Boolean)
          .map(Number),
      );
      const missing = lines.length - [...shown].filter((k) => k >= 1 && k <= lines.length).length;
      const marker = /\[\.\.\. [\d,]+ bytes \(([\d,]+) lines?\) cut/.exec(r.output);
      const label = `seed ${seed}: ${lines.length} lines, budget ${maxOutputBytes}\n${r.output.slice(0, 300)}`;
      expect(marker !== null, label).toBe(missing > 0);
      expect(Buffer.byteLength(r.output), label).toBeLessThanOrEqual(maxOutputBytes);
    }
  });

  it('a file that is one 3 MB line: a range read shows its start and says how much of the line is cut', async () => {
    const ws = fixture({});
    fs.writeFileSync(ws.abs('one-line.json'), `[${'1,'.repeat(1_500_000)}1]\n`);
    const r = await run(readFileTool, { path: 'one-line.json', start_line: 1, end_line: 1 }, context(ws.root));
    expect(r.output.split('\n')[0]).toBe('one-line.json: lines 1-1 (a 2.9 MB file, read by range)');
    expect(r.output).toMatch(/^1\t\[1,1,1,[1,]*… \[\+2998003 chars\]$/m);
  });
});
