// gitignore semantics over `minimatch`: comments, `\#`/`\!` escapes, trailing-space
// trimming, `!` negation, directory-only patterns (`build/`), anchoring (a pattern with a `/`
// before its end is relative to the ignore file's folder, one without matches at any depth),
// and `**`. Braces and extglobs are literal, as in git. The last matching rule decides.
import { Minimatch } from 'minimatch';

export interface IgnoreRule {
  /** The pattern as written, for messages ("rule 'build/' in .gitignore"). */
  readonly text: string;
  readonly negate: boolean;
  readonly dirOnly: boolean;
  readonly matcher: Minimatch;
  /** Where the rule came from (display path of the ignore file, or "secret patterns"). */
  readonly source: string;
}

const MM_OPTIONS = {
  dot: true,
  nobrace: true,
  noext: true,
  nocomment: true,
  nonegate: true,
  optimizationLevel: 2,
} as const;

export interface CompileOptions {
  /** Treat every pattern as unanchored (secret patterns: any depth). */
  anyDepth?: boolean;
  /** Expand `{a,b}` as ripgrep's --glob does (git itself does not). */
  braces?: boolean;
}

/** Compiles one gitignore line; undefined for blanks and comments. */
export function compileIgnoreLine(raw: string, source: string, opts: CompileOptions = {}): IgnoreRule | undefined {
  const anyDepth = opts.anyDepth ?? false;
  let line = raw.replace(/\r$/, '');
  if (line === '' || line.startsWith('#')) return undefined;
  // Trailing spaces are ignored unless escaped with a backslash.
  while (line.endsWith(' ') && !line.endsWith('\\ ')) line = line.slice(0, -1);
  if (line === '') return undefined;
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
    line = line.slice(1);
  }
  let dirOnly = false;
  if (line.endsWith('/')) {
    dirOnly = true;
    line = line.replace(/\/+$/, '');
  }
  if (line === '') return undefined;
  const anchored = !anyDepth && line.includes('/');
  line = line.replace(/^\/+/, '');
  if (line === '') return undefined;
  const glob = anchored || line.startsWith('**/') ? line : `**/${line}`;
  return {
    text: raw.trim(),
    negate,
    dirOnly,
    matcher: new Minimatch(glob, { ...MM_OPTIONS, nobrace: !opts.braces }),
    source,
  };
}

export function parseIgnoreFile(text: string, source: string, opts: CompileOptions = {}): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const line of text.split('\n')) {
    const rule = compileIgnoreLine(line, source, opts);
    if (rule) rules.push(rule);
  }
  return rules;
}

/**
 * The last rule matching `relPath` (posix, relative to the rules' folder), or undefined.
 * A directory-only rule matches only when `isDir`.
 */
export function lastMatch(rules: readonly IgnoreRule[], relPath: string, isDir: boolean): IgnoreRule | undefined {
  let found: IgnoreRule | undefined;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue;
    if (rule.matcher.match(relPath)) found = rule;
  }
  return found;
}
