// boundOutput reads only what it keeps of a long text, and boundJoined bounds parts joined by
// newlines without joining them: both must cut exactly as cutting the whole encoded text does.
// The reference below is that plain version (encode everything, slice the bytes); random texts
// with multi-byte characters, surrogate pairs, lone surrogates and newlines, and random budgets,
// must give the same output from all three.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/prng.ts';
import { boundJoined, boundOutput } from '../../../src/tools/output.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const newlines = (s: string) => s.split('\n').length - 1;

/** The cut as the whole-text version made it (kept here as the oracle). */
function referenceBound(
  text: string,
  maxBytes: number,
  hint = 'read a narrower range or use grep to see the rest',
  share = 0.5,
): string {
  if (bytes(text) <= maxBytes) return text;
  const marker = (b: number, l: number) =>
    `[... ${b.toLocaleString('en-US')} bytes (${l === 1 ? '1 line' : `${l.toLocaleString('en-US')} lines`}) cut ...; ${hint}]\n`;
  const head = (s: string, budget: number): string => {
    if (budget <= 0) return '';
    const buf = Buffer.from(s, 'utf8');
    if (buf.length <= budget) return s;
    let end = budget;
    while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
    const prefix = buf.subarray(0, end).toString('utf8');
    const nl = prefix.lastIndexOf('\n');
    return nl >= 0 && bytes(prefix.slice(0, nl + 1)) >= budget / 2 ? prefix.slice(0, nl + 1) : prefix;
  };
  const tail = (s: string, budget: number): string => {
    if (budget <= 0) return '';
    const buf = Buffer.from(s, 'utf8');
    if (buf.length <= budget) return s;
    let start = buf.length - budget;
    while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
    const suffix = buf.subarray(start).toString('utf8');
    const nl = suffix.indexOf('\n');
    return nl >= 0 && bytes(suffix.slice(nl + 1)) >= budget / 2 ? suffix.slice(nl + 1) : suffix;
  };
  const mid = Math.floor(text.length / 2);
  const headSrc = text.slice(0, mid);
  const tailSrc = text.slice(mid);
  const budget = Math.max(0, maxBytes - (bytes(marker(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) + 1));
  const h = head(headSrc, Math.floor(budget * share));
  const t = tail(tailSrc, budget - bytes(h));
  const dh = headSrc.slice(h.length);
  const dt = tailSrc.slice(0, tailSrc.length - t.length);
  const cutBytes = bytes(dh) + bytes(dt);
  const cutLines = newlines(dh) + newlines(dt);
  const out = h + (h === '' || h.endsWith('\n') ? '' : '\n') + marker(cutBytes, cutLines) + t;
  return bytes(out) <= maxBytes || budget > 0 ? out : marker(cutBytes, cutLines).slice(0, maxBytes);
}

const PIECES = ['a', 'bc', 'line', ' ', '\n', '\n', 'é', '€', 'ü', '😀', '𝄞', '\ud800', '\udc00', '\r\n', '--'];

function randomText(rnd: () => number, maxPieces: number): string {
  let s = '';
  const n = Math.floor(rnd() * maxPieces);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rnd() * PIECES.length)]!;
  return s;
}

describe('boundOutput and boundJoined cut as cutting the whole text does', () => {
  it('boundOutput: 3,000 random texts and budgets', () => {
    const rnd = mulberry32(17);
    for (let k = 0; k < 3000; k++) {
      const text = randomText(rnd, k % 10 === 0 ? 4000 : 400);
      const maxBytes = 1 + Math.floor(rnd() * (k % 3 === 0 ? 200 : 1500));
      expect(boundOutput(text, maxBytes), `case ${k}: ${JSON.stringify(text.slice(0, 80))}… in ${maxBytes}`).toBe(
        referenceBound(text, maxBytes),
      );
    }
  });

  it('boundJoined: 3,000 random part lists and budgets', () => {
    const rnd = mulberry32(29);
    for (let k = 0; k < 3000; k++) {
      const texts = Array.from({ length: Math.floor(rnd() * 30) }, () => randomText(rnd, 60));
      const parts = texts;
      const maxBytes = 1 + Math.floor(rnd() * (k % 3 === 0 ? 150 : 1200));
      const label = `case ${k}: ${JSON.stringify(texts).slice(0, 120)}… in ${maxBytes}`;
      expect(boundJoined(parts, maxBytes), label).toBe(referenceBound(texts.join('\n'), maxBytes));
      expect(boundJoined(parts, maxBytes, { headShare: 0.8, hint: 'h' }), label).toBe(
        boundOutput(texts.join('\n'), maxBytes, { headShare: 0.8, hint: 'h' }),
      );
    }
  });
});
