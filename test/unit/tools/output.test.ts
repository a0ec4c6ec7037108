import { describe, expect, it } from 'vitest';
import { OutputCollector, boundOutput, stripAnsi } from '../../../src/tools/output.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const lines = (n: number, prefix = 'line') =>
  `${Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n')}\n`;

describe('boundOutput', () => {
  it('returns short text unchanged', () => {
    expect(boundOutput('hello\n', 100)).toBe('hello\n');
  });

  it('keeps the head and the tail and marks what was cut', () => {
    const text = lines(1000);
    const out = boundOutput(text, 2000);
    expect(bytes(out)).toBeLessThanOrEqual(2000);
    expect(out.startsWith('line 1\nline 2\n')).toBe(true);
    expect(out.endsWith('line 999\nline 1000\n')).toBe(true);
    const m =
      /\[\.\.\. ([\d,]+) bytes \(([\d,]+) lines\) cut \.\.\.; read a narrower range or use grep to see the rest\]/.exec(
        out,
      );
    expect(m).not.toBeNull();
    const cutBytes = Number(m![1]!.replace(/,/g, ''));
    const cutLines = Number(m![2]!.replace(/,/g, ''));
    // What is kept plus what was cut is the whole text.
    const kept = out.replace(/\[\.\.\. .*\]\n/, '');
    expect(bytes(kept) + cutBytes).toBe(bytes(text));
    expect(kept.split('\n').length - 1 + cutLines).toBe(1000);
  });

  it('cuts at line boundaries', () => {
    const out = boundOutput(lines(500), 1500);
    const [head, tail] = out.split(/\[\.\.\. .* cut \.\.\.; .*\]\n/);
    expect(head!.endsWith('\n')).toBe(true);
    expect(
      head!
        .split('\n')
        .filter(Boolean)
        .every((l) => /^line \d+$/.test(l)),
    ).toBe(true);
    expect(
      tail!
        .split('\n')
        .filter(Boolean)
        .every((l) => /^line \d+$/.test(l)),
    ).toBe(true);
  });

  it('never splits a multi-byte character', () => {
    const text = 'é'.repeat(5000) + '日本語'.repeat(3000);
    const out = boundOutput(text, 1000);
    expect(bytes(out)).toBeLessThanOrEqual(1000);
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
  });

  it('uses the hint it is given', () => {
    expect(boundOutput('x'.repeat(5000), 500, { hint: 'ask for less' })).toMatch(/cut \.\.\.; ask for less\]/);
  });
});

describe('OutputCollector', () => {
  it('holds a flood in bounded memory and keeps its head and tail', () => {
    const c = new OutputCollector(4096);
    for (let i = 1; i <= 100_000; i++) c.push(`output line ${i}\n`);
    const out = c.text();
    expect(bytes(out)).toBeLessThanOrEqual(4096);
    expect(out.startsWith('output line 1\n')).toBe(true);
    expect(out.endsWith('output line 100000\n')).toBe(true);
    const m = /\[\.\.\. ([\d,]+) bytes \(([\d,]+) lines\) cut/.exec(out)!;
    const keptLines = out.replace(/\[\.\.\..*\]\n/, '').split('\n').length - 1;
    expect(Number(m[2]!.replace(/,/g, '')) + keptLines).toBe(100_000);
    expect(c.totalBytes).toBeGreaterThan(1_000_000);
  });

  it('returns small output whole, in chunks of any size', () => {
    const c = new OutputCollector(4096);
    c.push('a');
    c.push('bc\n');
    c.push('déf');
    expect(c.text()).toBe('abc\ndéf');
  });
});

describe('stripAnsi', () => {
  it('removes colour codes and OSC sequences', () => {
    expect(stripAnsi('\u001b[31mred\u001b[0m and \u001b]0;title\u0007plain')).toBe('red and plain');
  });
});
