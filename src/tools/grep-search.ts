// What the two grep engines (ripgrep and pure Node) share: the query, the per-file result, the
// include/exclude glob semantics (ripgrep's --glob: gitignore globs with braces, last match
// wins, excludes prune folders, includes only filter files), the line matcher the Node engine
// and the smart-case rule use, and the match budget that stops a search at the cap.
import { compileIgnoreLine } from './ignore-rules.ts';
import type { IgnoreRule } from './ignore-rules.ts';
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';
import { ToolError } from './types.ts';

export interface GrepQuery {
  pattern: string;
  literal: boolean;
  ignoreCase: boolean;
  /** Lines of context before and after each match. */
  context: number;
  /** File globs to search (empty: all files). */
  include: string[];
  /** Globs to skip (files and folders). */
  exclude: string[];
  /** Files larger than this are skipped. */
  maxFileBytes: number;
  /** Epoch milliseconds after which the search stops. */
  deadline: number;
}

export interface GrepTarget {
  root: WorkspaceRoot;
  /** Root-relative start ('' = the root): a folder, or a single file. */
  rel: string;
  isFile: boolean;
}

export interface GrepLine {
  line: number;
  text: string;
  match: boolean;
  /** Character index of the first match in the line (0 for context lines). */
  column: number;
}

export interface GrepFileResult {
  root: WorkspaceRoot;
  rel: string;
  lines: GrepLine[];
}

export interface GrepOutcome {
  stoppedBy?: 'time' | 'cancelled' | 'limit';
  warnings: string[];
}

/** Receives each file's matches as its search finishes; returns false to stop the search. */
export type OnFile = (file: GrepFileResult) => boolean;

export interface GrepEngine {
  readonly name: 'ripgrep' | 'node';
  search(guard: WorkspaceGuard, targets: GrepTarget[], query: GrepQuery, signal: AbortSignal, onFile: OnFile): Promise<GrepOutcome>;
}

// ---------- include / exclude ----------

export interface GlobFilter {
  /** Folders and files an exclude glob hides. */
  excluded(rel: string, isDir: boolean): boolean;
  /** Files the include globs let through (all when there are none). */
  included(rel: string): boolean;
}

export function normaliseGlobs(include: readonly string[], exclude: readonly string[]): { include: string[]; exclude: string[] } {
  const inc: string[] = [];
  const exc: string[] = [];
  for (const g of include) {
    const t = g.trim();
    if (!t) continue;
    if (t.startsWith('!')) exc.push(t.slice(1)); else inc.push(t);
  }
  for (const g of exclude) {
    const t = g.trim().replace(/^!/, '');
    if (t) exc.push(t);
  }
  return { include: inc, exclude: exc };
}

export function globFilter(include: readonly string[], exclude: readonly string[]): GlobFilter {
  // One ordered list like ripgrep's overrides: includes first, then excludes; the last match wins.
  const rules: Array<{ rule: IgnoreRule; exclude: boolean }> = [];
  for (const g of include) { const rule = compileIgnoreLine(g, 'include', { braces: true }); if (rule) rules.push({ rule, exclude: false }) }
  for (const g of exclude) { const rule = compileIgnoreLine(g, 'exclude', { braces: true }); if (rule) rules.push({ rule, exclude: true }) }
  const hasIncludes = rules.some((r) => !r.exclude);
  const last = (rel: string, isDir: boolean) => {
    let found: { rule: IgnoreRule; exclude: boolean } | undefined;
    for (const r of rules) {
      if (r.rule.dirOnly && !isDir) continue;
      if (r.rule.matcher.match(rel)) found = r;
    }
    return found;
  };
  return {
    excluded: (rel, isDir) => last(rel, isDir)?.exclude === true,
    included: (rel) => {
      const m = last(rel, false);
      return m ? !m.exclude : !hasIncludes;
    },
  };
}

// ---------- matching ----------

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Smart case: case-insensitive unless the pattern has an uppercase letter (escapes like \S do not count). */
export function smartCaseInsensitive(pattern: string, literal: boolean): boolean {
  const text = literal ? pattern : pattern.replace(/\\[pP]\{[^}]*\}|\\./g, '');
  return !/\p{Lu}/u.test(text);
}

/** Compiles the pattern as JavaScript sees it: with the `u` flag when valid, else without. */
export function compileJsRegex(pattern: string, literal: boolean, ignoreCase: boolean, extraFlags = ''): RegExp {
  let source = literal ? escapeRegExp(pattern) : pattern;
  let flags = (ignoreCase ? 'i' : '') + extraFlags;
  // ripgrep's inline (?i) at the start; JavaScript spells it as a flag.
  if (!literal && source.startsWith('(?i)')) { source = source.slice(4); if (!flags.includes('i')) flags += 'i' }
  try {
    return new RegExp(source, flags + 'u');
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (e) {
      throw invalidRegex(pattern, (e as Error).message.replace(/^Invalid regular expression: /, ''));
    }
  }
}

export function invalidRegex(pattern: string, detail: string): ToolError {
  return new ToolError('invalid_regex', `Invalid regular expression ${JSON.stringify(pattern)}: ${detail.trim()}. Fix the pattern, or set literal to true to search for the text exactly as written.`);
}

export interface LineMatcher {
  /** False only when no line of `text` can match (a fast whole-file check). */
  mayMatch(text: string): boolean;
  /** Index of the first match in a line, or -1. */
  firstMatch(line: string): number;
}

export function lineMatcher(query: Pick<GrepQuery, 'pattern' | 'literal' | 'ignoreCase'>): LineMatcher {
  const re = compileJsRegex(query.pattern, query.literal, query.ignoreCase);
  if (query.literal && !query.ignoreCase) {
    const needle = query.pattern;
    return { mayMatch: (t) => t.includes(needle), firstMatch: (l) => l.indexOf(needle) };
  }
  // The whole-file check is sound unless look-around could see across a line end.
  const whole = query.literal || !/\(\?<?[=!]/.test(query.pattern) ? new RegExp(re.source, re.flags + 'm') : undefined;
  return {
    mayMatch: (t) => (whole ? whole.test(t) : true),
    firstMatch: (l) => l.search(re),
  };
}

// ---------- budget ----------

/** Counts matching lines across files and trims the file that crosses the cap. */
export class MatchBudget {
  private used = 0;
  private readonly max: number;
  private readonly context: number;
  limited = false;

  constructor(max: number, context: number) {
    this.max = max;
    this.context = context;
  }

  get matches(): number { return this.used }
  get exhausted(): boolean { return this.used >= this.max }

  /** The part of `file` that fits; sets `limited` when matches were dropped. */
  take(file: GrepFileResult): GrepFileResult | undefined {
    const left = this.max - this.used;
    if (left <= 0) { if (file.lines.some((l) => l.match)) this.limited = true; return undefined }
    const total = file.lines.filter((l) => l.match).length;
    if (total <= left) { this.used += total; return file }
    this.limited = true;
    let seen = 0;
    let lastLine = 0;
    for (const l of file.lines) if (l.match && ++seen === left) { lastLine = l.line; break }
    const lines = file.lines.filter((l) => l.line <= lastLine || (!l.match && l.line <= lastLine + this.context));
    this.used += left;
    return { ...file, lines };
  }
}

/** Lines to report for the matching line indexes of a file, with context, in order. */
export function withContext(all: readonly string[], matches: ReadonlyArray<{ index: number; column: number }>, context: number): GrepLine[] {
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
