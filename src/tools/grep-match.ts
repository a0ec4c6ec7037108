// Matching a model-supplied pattern against text: compiling it as JavaScript sees it, finding
// the matching lines of a file, and picking the context lines around them. The main thread only
// compiles patterns (to check them); running one happens in the grep worker (grep-worker.ts),
// which can be killed when a pattern backtracks without end. Keep this module free of Node
// APIs beyond the language itself: the worker loads it on its own.
import { ToolError } from './types.ts';

export interface GrepLine {
  line: number;
  text: string;
  match: boolean;
  /** Character index of the first match in the line (0 for context lines). */
  column: number;
}

/** Longest pattern grep accepts: bounds the work of checking it on the main thread. */
export const MAX_PATTERN_CHARS = 4096;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles the pattern as JavaScript sees it: with the `u` flag when valid, else without. Never runs it. */
export function compileJsRegex(pattern: string, literal: boolean, ignoreCase: boolean, extraFlags = ''): RegExp {
  if (pattern.length > MAX_PATTERN_CHARS) {
    throw new ToolError(
      'invalid_regex',
      `The pattern is ${pattern.length.toLocaleString('en-US')} characters long; grep takes at most ${MAX_PATTERN_CHARS.toLocaleString('en-US')}. Search for a shorter, distinctive part of it.`,
    );
  }
  let source = literal ? escapeRegExp(pattern) : pattern;
  let flags = (ignoreCase ? 'i' : '') + extraFlags;
  // ripgrep's inline (?i) at the start; JavaScript spells it as a flag.
  if (!literal && source.startsWith('(?i)')) {
    source = source.slice(4);
    if (!flags.includes('i')) flags += 'i';
  }
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (e) {
      throw invalidRegex(pattern, (e as Error).message.replace(/^Invalid regular expression: /, ''));
    }
  }
}

export function invalidRegex(pattern: string, detail: string): ToolError {
  return new ToolError(
    'invalid_regex',
    `Invalid regular expression ${JSON.stringify(pattern)}: ${detail.trim()}. Fix the pattern, or set literal to true to search for the text exactly as written.`,
  );
}

export interface LineMatcher {
  /** False only when no line of `text` can match (a fast whole-file check). */
  mayMatch(text: string): boolean;
  /** Index of the first match in a line, or -1. */
  firstMatch(line: string): number;
}

export interface MatchQuery {
  pattern: string;
  literal: boolean;
  ignoreCase: boolean;
}

export function lineMatcher(query: MatchQuery): LineMatcher {
  const re = compileJsRegex(query.pattern, query.literal, query.ignoreCase);
  if (query.literal && !query.ignoreCase) {
    const needle = query.pattern;
    return { mayMatch: (t) => t.includes(needle), firstMatch: (l) => l.indexOf(needle) };
  }
  // The whole-file check is sound unless look-around could see across a line end.
  const whole = query.literal || !/\(\?<?[=!]/.test(query.pattern) ? new RegExp(re.source, `${re.flags}m`) : undefined;
  return {
    mayMatch: (t) => (whole ? whole.test(t) : true),
    firstMatch: (l) => l.search(re),
  };
}

/**
 * The matching lines of a file's text (a BOM already dropped), with context, or undefined when
 * nothing matches. CRLF counts as a line end, as ripgrep's --crlf does. With `countOnly`, just
 * the number of matching lines.
 */
export function matchText(text: string, matcher: LineMatcher, context: number): GrepLine[] | undefined;
export function matchText(text: string, matcher: LineMatcher, context: number, countOnly: true): number;
export function matchText(
  text: string,
  matcher: LineMatcher,
  context: number,
  countOnly = false,
): GrepLine[] | number | undefined {
  if (!matcher.mayMatch(text)) return countOnly ? 0 : undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const matches: Array<{ index: number; column: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) {
      line = line.slice(0, -1);
      lines[i] = line;
    }
    const column = matcher.firstMatch(line);
    if (column >= 0) matches.push({ index: i, column });
  }
  if (countOnly) return matches.length;
  if (matches.length === 0) return undefined;
  return withContext(lines, matches, context);
}

/** Lines to report for the matching line indexes of a file, with context, in order. */
export function withContext(
  all: readonly string[],
  matches: ReadonlyArray<{ index: number; column: number }>,
  context: number,
): GrepLine[] {
  const out: GrepLine[] = [];
  const matchAt = new Map(matches.map((m) => [m.index, m.column]));
  let next = 0; // first index not yet emitted
  for (const m of matches) {
    const from = Math.max(next, m.index - context);
    const to = Math.min(all.length - 1, m.index + context);
    for (let i = from; i <= to; i++) {
      const column = matchAt.get(i);
      out.push({ line: i + 1, text: all[i]!, match: column !== undefined, column: column ?? 0 });
    }
    next = Math.max(next, to + 1);
  }
  return out;
}
