// "Nearest match" search for failed edits and missing files: which region of a file looks most
// like the lines the model expected, and which file name looks most like the one it asked for.
// Similarity is the Dice coefficient over character bigrams of whitespace-trimmed lines: cheap
// to compute over every window of a large file, and good at spotting "same line, small change".

function bigrams(s: string): Map<string, number> {
  const t = s.trim().replace(/\s+/g, ' ');
  const m = new Map<string, number>();
  if (t.length < 2) {
    if (t) m.set(t, 1);
    return m;
  }
  for (let i = 0; i < t.length - 1; i++) {
    const g = t.slice(i, i + 2);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

function dice(a: Map<string, number>, b: Map<string, number>, sizeA: number, sizeB: number): number {
  if (sizeA === 0 && sizeB === 0) return 1;
  if (sizeA === 0 || sizeB === 0) return 0;
  let common = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const [g, n] of small) {
    const o = large.get(g);
    if (o) common += Math.min(n, o);
  }
  return (2 * common) / (sizeA + sizeB);
}

const sizeOf = (m: Map<string, number>): number => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};

/** Similarity of two strings in 0..1 (1 = equal after whitespace trimming). */
export function stringSimilarity(a: string, b: string): number {
  const ga = bigrams(a);
  const gb = bigrams(b);
  return dice(ga, gb, sizeOf(ga), sizeOf(gb));
}

export interface NearestRegion {
  /** 0-based index of the first line of the region. */
  start: number;
  /** Number of lines in the region. */
  length: number;
  /** Average per-line similarity, 0..1. */
  score: number;
}

/**
 * The window of `lines` (same length as `pattern`) most similar to `pattern`, line by line.
 * Bounded work: very large files are scanned with a stride of one line but the pattern is
 * compared on at most 40 of its lines.
 */
export function nearestRegion(
  lines: readonly string[],
  pattern: readonly string[],
  from = 0,
): NearestRegion | undefined {
  if (pattern.length === 0 || lines.length === 0) return undefined;
  const m = Math.min(pattern.length, lines.length);
  const sampled =
    pattern.length > 40
      ? Array.from({ length: 40 }, (_, i) => Math.floor((i * pattern.length) / 40))
      : pattern.map((_, i) => i);
  const pat = pattern.map((p) => {
    const g = bigrams(p);
    return { g, n: sizeOf(g) };
  });
  const cache = new Map<number, { g: Map<string, number>; n: number }>();
  const lineGrams = (i: number) => {
    let v = cache.get(i);
    if (!v) {
      const g = bigrams(lines[i]!);
      v = { g, n: sizeOf(g) };
      cache.set(i, v);
    }
    return v;
  };
  let best: NearestRegion | undefined;
  const lastStart = lines.length - m;
  for (let s = Math.max(0, Math.min(from, lastStart)); s <= lastStart; s++) {
    let total = 0;
    let count = 0;
    for (const i of sampled) {
      if (i >= m) continue;
      const l = lineGrams(s + i);
      total += dice(pat[i]!.g, l.g, pat[i]!.n, l.n);
      count++;
    }
    const score = count ? total / count : 0;
    if (!best || score > best.score) best = { start: s, length: m, score };
  }
  // Also look before `from` when nothing after it is close (the hunk may be out of order).
  if (from > 0 && (!best || best.score < 0.5)) {
    const before = nearestRegion(lines.slice(0, Math.min(lines.length, from + m)), pattern, 0);
    if (before && (!best || before.score > best.score)) best = before;
  }
  return best;
}

/** Formats a region as numbered lines for an error message (at most `maxLines`). */
export function showRegion(lines: readonly string[], region: NearestRegion, maxLines = 12): string {
  const end = Math.min(region.start + region.length, region.start + maxLines);
  const width = String(end).length;
  const out: string[] = [];
  for (let i = region.start; i < end; i++)
    out.push(`${String(i + 1).padStart(width)}\t${truncate(lines[i] ?? '', 200)}`);
  if (region.start + region.length > end) out.push(`… (${region.start + region.length - end} more lines)`);
  return out.join('\n');
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… [+${s.length - max} chars]`;
}

/** The candidate name most like `name`, when it is reasonably close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = 0;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const score = c.toLowerCase() === lower ? 1 : stringSimilarity(lower, c.toLowerCase());
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return bestScore >= 0.5 ? best : undefined;
}
