// What the two grep engines (ripgrep and pure Node) share: the query, the per-file result, what
// a search left out, the include/exclude glob semantics (ripgrep's --glob: gitignore globs with
// braces, last match wins, excludes prune folders, includes only filter files), the smart-case
// rule, and the match budget that shows the first matches and counts the rest.
import { compileIgnoreLine } from './ignore-rules.ts';
import type { IgnoreRule } from './ignore-rules.ts';
import type { GrepLine } from './grep-match.ts';
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';

export type { GrepLine } from './grep-match.ts';
export { compileJsRegex, invalidRegex } from './grep-match.ts';

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

export interface GrepFileResult {
  root: WorkspaceRoot;
  rel: string;
  /** The matching lines with their context; empty when the engine was asked for counts only. */
  lines: GrepLine[];
  /** How many lines of the file match. */
  matches: number;
}

/** A file the search did not look into. */
export interface SkippedFile {
  root: WorkspaceRoot;
  rel: string;
  /** Bytes, for files over the size limit. */
  size?: number;
  /** Matching lines, for binary files (not shown). */
  matches?: number;
}

export interface GrepOutcome {
  /** 'limit': the caller asked to stop (enough counted). */
  stoppedBy?: 'time' | 'cancelled' | 'limit';
  warnings: string[];
  /** Files over maxFileBytes, not searched. */
  tooLarge: SkippedFile[];
  /** Binary files (a NUL byte) that match: their lines are not shown. */
  binary: SkippedFile[];
  /** Files that could not be read. */
  unreadable: SkippedFile[];
  /** When the time limit hit while one file was being matched: that file (a pattern that backtracks). */
  slowFile?: SkippedFile;
}

export function newOutcome(): GrepOutcome {
  return { warnings: [], tooLarge: [], binary: [], unreadable: [] };
}

/**
 * Receives each file's matches as its search finishes, in search order. Returns what the engine
 * should send for later files: 'full' lines, only a 'count' of matching lines (the budget is
 * full), or 'stop'.
 */
export type OnFile = (file: GrepFileResult) => FileMode;
export type FileMode = 'full' | 'count' | 'stop';

export interface GrepEngine {
  readonly name: 'ripgrep' | 'node';
  search(
    guard: WorkspaceGuard,
    targets: GrepTarget[],
    query: GrepQuery,
    signal: AbortSignal,
    onFile: OnFile,
  ): Promise<GrepOutcome>;
}

// ---------- include / exclude ----------

export interface GlobFilter {
  /** Folders and files an exclude glob hides. */
  excluded(rel: string, isDir: boolean): boolean;
  /** Files the include globs let through (all when there are none). */
  included(rel: string): boolean;
}

export function normaliseGlobs(
  include: readonly string[],
  exclude: readonly string[],
): { include: string[]; exclude: string[] } {
  const inc: string[] = [];
  const exc: string[] = [];
  for (const g of include) {
    const t = g.trim();
    if (!t) continue;
    if (t.startsWith('!')) exc.push(t.slice(1));
    else inc.push(t);
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
  for (const g of include) {
    const rule = compileIgnoreLine(g, 'include', { braces: true });
    if (rule) rules.push({ rule, exclude: false });
  }
  for (const g of exclude) {
    const rule = compileIgnoreLine(g, 'exclude', { braces: true });
    if (rule) rules.push({ rule, exclude: true });
  }
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

// ---------- case ----------

/** Smart case: case-insensitive unless the pattern has an uppercase letter (escapes like \S do not count). */
export function smartCaseInsensitive(pattern: string, literal: boolean): boolean {
  // Linear-time scan (no regex over the model's pattern on this thread).
  let text = pattern;
  if (!literal) {
    let out = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = pattern[i + 1];
      if ((next === 'p' || next === 'P') && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close !== -1) {
          i = close;
          continue;
        }
      }
      i++; // an escape: the escaped character does not count
    }
    text = out;
  }
  return !/\p{Lu}/u.test(text);
}

// ---------- budget ----------

/**
 * Counts matching lines across files: the first `max` are shown (the file that crosses the cap
 * is trimmed), and everything after is counted, so the result can say how much it left out.
 */
export class MatchBudget {
  private shownCount = 0;
  private readonly max: number;
  private readonly context: number;
  /** Matching lines found but not shown, and the files they are in. */
  moreMatches = 0;
  moreFiles = 0;

  constructor(max: number, context: number) {
    this.max = max;
    this.context = context;
  }

  get matches(): number {
    return this.shownCount;
  }
  /** No room left: later files are only counted. */
  get full(): boolean {
    return this.shownCount >= this.max;
  }
  /** Something was found and not shown. */
  get cut(): boolean {
    return this.moreMatches > 0;
  }

  /** The part of `file` that fits (undefined when none does); what does not fit is counted. */
  take(file: GrepFileResult): GrepFileResult | undefined {
    const total = file.matches;
    if (total === 0) return undefined;
    const left = this.max - this.shownCount;
    if (left <= 0 || file.lines.length === 0) {
      this.count(total);
      return undefined;
    }
    if (total <= left) {
      this.shownCount += total;
      return file;
    }
    let seen = 0;
    let lastLine = 0;
    for (const l of file.lines)
      if (l.match && ++seen === left) {
        lastLine = l.line;
        break;
      }
    const lines = file.lines.filter((l) => l.line <= lastLine || (!l.match && l.line <= lastLine + this.context));
    this.shownCount += left;
    this.moreMatches += total - left;
    this.moreFiles++;
    return { ...file, lines, matches: left };
  }

  /** A file's matching lines that will not be shown. */
  count(matches: number): void {
    if (matches <= 0) return;
    this.moreMatches += matches;
    this.moreFiles++;
  }
}
