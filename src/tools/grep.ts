// grep: regex or literal search over the workspace. Uses the ripgrep VS Code ships, then `rg`
// on PATH, then a pure-Node search, so it always works; matches stream to the UI as each file
// finishes, and the model gets them sorted by path, capped, and bounded in size.
import { WorkspaceGuard, hasGlobChars } from './guard.ts';
import { nodeGrepEngine } from './grep-node.ts';
import { RipgrepRegexError, RipgrepSpawnError, ripgrepEngine } from './grep-ripgrep.ts';
import type { RipgrepEngineOptions } from './grep-ripgrep.ts';
import { formatBytes } from './files.ts';
import { MAX_PATTERN_CHARS, compileJsRegex } from './grep-match.ts';
import { MatchBudget, normaliseGlobs, smartCaseInsensitive } from './grep-search.ts';
import type { FileMode, GrepEngine, GrepFileResult, GrepOutcome, GrepQuery, GrepTarget } from './grep-search.ts';
import { boundJoined } from './output.ts';
import { findOnPath, isExecutableFile } from './ripgrep-locate.ts';
import { array, boolean, integer, object, optional, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { LIMITS } from './settings.ts';
import { truncate } from './similarity.ts';
import { ToolError } from './types.ts';
import type { Tool, ToolContext, ToolResult } from './types.ts';

const shape = {
  pattern: string(
    'What to find: a regular expression (ripgrep/JavaScript syntax such as \\bname\\b, foo|bar, \\d+; no look-around), or the exact text when literal is true. Matches within one line.',
    { minLength: 1 },
  ),
  literal: optional(boolean('true: search for the pattern as plain text (no regex). Default false.')),
  path: optional(
    string(
      'Folder or file to search, relative to the workspace root (e.g. "src"). A glob such as "src/**/*.ts" also works. Null searches the whole workspace.',
    ),
  ),
  include: optional(
    array(
      string('A glob'),
      'Only search files matching one of these globs, e.g. ["*.ts", "*.tsx"] or ["src/**/*.test.ts"]. A glob without "/" matches file names at any depth.',
      { maxItems: 20 },
    ),
  ),
  exclude: optional(
    array(string('A glob'), 'Skip files and folders matching these globs, e.g. ["*.min.js", "dist"].', {
      maxItems: 20,
    }),
  ),
  case: optional(
    string(
      '"smart" (default): case-insensitive unless the pattern has an uppercase letter; "sensitive"; or "insensitive".',
      { enum: ['smart', 'sensitive', 'insensitive'] },
    ),
  ),
  context_lines: optional(
    integer('Lines of context to show before and after each match (0-10). Default 0.', { minimum: 0, maximum: 10 }),
  ),
  max_matches: optional(
    integer('Stop after this many matching lines (at most the configured limit, usually 200).', { minimum: 1 }),
  ),
};
const schema = object('grep', shape);
export type GrepArgs = ArgsOf<typeof shape>;

export type GrepEngineChoice = 'auto' | 'ripgrep' | 'node';

export interface GrepToolOptions {
  /** 'auto' (default): the editor's ripgrep, then rg on PATH, then Node. */
  engine?: GrepEngineChoice;
  /** A ripgrep binary to use instead of looking for one. */
  rgPath?: string;
  /** PATH to search for `rg` (default process.env.PATH). */
  envPath?: string;
  /** Called with the engine each search used (tests, benchmarks). */
  onEngine?: (engine: 'ripgrep' | 'node', rgPath?: string) => void;
  /** The search's time limit (default LIMITS.grepTimeMs; tests use a short one). */
  timeLimitMs?: number;
  /** How the ripgrep engine reads ripgrep (tests and benchmarks compare the two; see ripgrepEngine). */
  ripgrep?: RipgrepEngineOptions;
}

export function createGrepTool(options: GrepToolOptions = {}): Tool<GrepArgs> {
  return {
    name: 'grep',
    readOnly: true,
    definition: {
      type: 'function',
      name: 'grep',
      description: [
        'Search file contents in the workspace (ripgrep). Returns matching lines as path:line:text (context lines as path-line-text, groups separated by --), sorted by path.',
        'Files excluded by .gitignore or .warmlineignore, secrets, binary files, .git and node_modules are not searched (give a path inside node_modules to search there).',
        'Results stop at max_matches and say how many more there are; narrow with path, include or a more specific pattern when they do. Files over the size limit are not searched and binary files are not shown (the result names them). Use read_file to see more of a file.',
      ].join(' '),
      strict: true,
      parameters: schema.jsonSchema,
    },
    parse: (raw) => schema.parse(raw),
    describe: (args) => {
      const p = args.literal ? JSON.stringify(args.pattern) : `/${args.pattern}/`;
      const where = args.path ?? '';
      const inc = args.include?.length ? ` ${args.include.join(',')}` : '';
      return `${truncate(p, 60)}${where ? ` in ${where}` : ''}${inc}`;
    },
    run: (args, ctx) => grep(args, ctx, options),
  };
}

function chooseEngine(
  ctx: ToolContext,
  options: GrepToolOptions,
  targets: readonly GrepTarget[],
): { engine: GrepEngine; rgPath?: string } {
  const choice = options.engine ?? 'auto';
  if (choice === 'node') return { engine: nodeGrepEngine };
  // ripgrep reads local folders only: a virtual one is searched through the host's file system.
  if (targets.some((t) => t.root.localPath === undefined)) {
    if (choice === 'ripgrep')
      throw new ToolError('failed', 'ripgrep was requested but the folder to search is not a local folder.');
    return { engine: nodeGrepEngine };
  }
  const candidates = [options.rgPath, ctx.host.ripgrepPath()].filter((p): p is string => !!p);
  let rg = candidates.find((p) => isExecutableFile(p));
  rg ??= findOnPath('rg', options.envPath ?? process.env.PATH);
  if (rg) return { engine: ripgrepEngine(rg, options.ripgrep), rgPath: rg };
  if (choice === 'ripgrep')
    throw new ToolError('failed', 'ripgrep was requested but none was found (not in the editor, not on PATH).');
  return { engine: nodeGrepEngine };
}

async function grep(args: GrepArgs, ctx: ToolContext, options: GrepToolOptions): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  const literal = args.literal ?? false;
  const caseMode = args.case ?? 'smart';
  const ignoreCase =
    caseMode === 'insensitive' || (caseMode === 'smart' && smartCaseInsensitive(args.pattern, literal));
  // Compiled here only to check it: the pattern runs in ripgrep or in the grep worker, never on this thread.
  let jsError: ToolError | undefined;
  try {
    compileJsRegex(args.pattern, literal, ignoreCase);
  } catch (e) {
    jsError = e as ToolError;
  }
  if (jsError && args.pattern.length > MAX_PATTERN_CHARS) throw jsError;

  const globs = normaliseGlobs(args.include ?? [], args.exclude ?? []);
  const targets: GrepTarget[] = [];
  let where = 'the workspace';
  if (args.path !== undefined && args.path.trim() !== '' && args.path.trim() !== '.') {
    let p = args.path.trim();
    if (hasGlobChars(p)) {
      const parts = p.split('/');
      const i = parts.findIndex((s) => hasGlobChars(s));
      const base = parts.slice(0, i).join('/');
      const glob = parts.slice(i).join('/');
      p = base || '.';
      const resolvedBase = await guard.resolve(p, 'search');
      // Anchored to the folder, as written: "src/*.ts" means files directly in src.
      globs.include.push(resolvedBase.rel ? `/${resolvedBase.rel}/${glob}` : `/${glob}`);
    }
    const target = await guard.resolve(p, 'search');
    if (!target.stat)
      throw new ToolError('not_found', `'${target.display}' does not exist. Use list_files to find the right folder.`);
    targets.push({ root: target.root, rel: target.rel, isFile: target.stat.type !== 'directory' });
    where = target.display;
  } else {
    for (const root of guard.roots()) targets.push({ root, rel: '', isFile: false });
    if (targets.length === 0)
      throw new ToolError('outside_workspace', 'No workspace folder is open, so there is nothing to search.');
  }

  const limit = Math.min(args.max_matches ?? ctx.settings.maxGrepMatches, ctx.settings.maxGrepMatches);
  const context = args.context_lines ?? 0;
  const timeLimitMs = options.timeLimitMs ?? LIMITS.grepTimeMs;
  const started = Date.now();
  const query: GrepQuery = {
    pattern: args.pattern,
    literal,
    ignoreCase,
    context,
    include: globs.include,
    exclude: globs.exclude,
    maxFileBytes: ctx.settings.maxReadBytes,
    deadline: started + timeLimitMs,
  };

  let { engine, rgPath } = chooseEngine(ctx, options, targets);
  if (engine.name === 'node' && jsError) throw jsError;
  const warnings: string[] = [];
  let budget = new MatchBudget(limit, context);
  let found: Array<{ name: string; text: string }> = [];
  /** When the budget filled: from then on files are only counted, for a while. */
  let countingSince: number | undefined;
  let countingCut = false;
  const onFile = (file: GrepFileResult): FileMode => {
    if (!budget.full) {
      const kept = budget.take(file);
      if (kept) {
        const name = displayOf(guard, kept);
        const text = formatFile(name, kept, context);
        found.push({ name, text });
        ctx.progress(`${text}\n`);
      }
    } else {
      budget.count(file.matches);
    }
    if (!budget.full) return 'full';
    countingSince ??= Date.now();
    if (Date.now() - countingSince > LIMITS.grepCountMs || budget.moreMatches >= LIMITS.grepMaxCounted) {
      countingCut = true;
      return 'stop';
    }
    return 'count';
  };
  const search = (e: GrepEngine) => {
    budget = new MatchBudget(limit, context);
    found = [];
    countingSince = undefined;
    countingCut = false;
    options.onEngine?.(e.name, e.name === 'ripgrep' ? rgPath : undefined);
    return e.search(guard, targets, query, ctx.signal, onFile);
  };

  let outcome: GrepOutcome;
  try {
    outcome = await search(engine);
  } catch (e) {
    if (e instanceof RipgrepRegexError) {
      if (jsError) throw jsError; // invalid for both engines: JavaScript's message is one clear line
      warnings.push('ripgrep does not support this pattern, so the search used JavaScript regular expressions.');
    } else if (e instanceof RipgrepSpawnError) {
      if (jsError) throw jsError;
      warnings.push(`${e.message}; searched without ripgrep.`);
    } else {
      throw e;
    }
    engine = nodeGrepEngine;
    rgPath = undefined;
    outcome = await search(engine);
  }
  if (outcome.stoppedBy === 'cancelled' || ctx.signal.aborted)
    throw new ToolError('cancelled', 'The search was cancelled.');
  warnings.push(...outcome.warnings);

  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const matchCount = budget.matches;
  const what = `${literal ? 'text' : 'pattern'} ${JSON.stringify(args.pattern)}`;
  const scope = `${where}${globs.include.length ? ` (files matching ${globs.include.join(', ')})` : ''}`;
  const timedOut = outcome.stoppedBy === 'time';
  const seconds = `${Math.round(timeLimitMs / 100) / 10} s`;
  const slow = outcome.slowFile ? displayOf(guard, outcome.slowFile) : undefined;
  const slowAdvice = `the pattern may backtrack catastrophically (nested repetition such as (a+)+ or (a|a)*); simplify it, set literal to true, or search fewer files with path or include`;

  if (timedOut && slow && found.length === 0) {
    throw new ToolError(
      'timeout',
      `The search stopped at its ${seconds} time limit while matching the pattern in '${slow}', with no matches found before it: ${slowAdvice}.`,
    );
  }

  // Every cut is said, with what to do about it.
  const notes: string[] = [];
  if (budget.cut || (budget.full && (countingCut || timedOut))) {
    const lowerBound = countingCut || timedOut;
    const more = budget.cut
      ? `${lowerBound ? 'at least ' : ''}${n(budget.moreMatches)} more matching line${budget.moreMatches === 1 ? '' : 's'} in ${n(budget.moreFiles)} file${budget.moreFiles === 1 ? '' : 's'} ${budget.moreMatches === 1 ? 'is' : 'are'} not shown`
      : 'there may be more matching lines (the count was cut short)';
    notes.push(
      `[Stopped at ${limit} matching lines; there are more: ${more}. Narrow the search with path, include or a more specific pattern.]`,
    );
  }
  if (timedOut) {
    notes.push(
      slow
        ? `[The search stopped at its ${seconds} time limit while matching the pattern in '${slow}': ${slowAdvice}. Files after it were not searched.]`
        : `[The search stopped at its ${seconds} time limit; ${budget.full ? 'the count of further matches is incomplete' : 'results are incomplete'}. Search a smaller folder with path or include.]`,
    );
  }
  if (outcome.tooLarge.length) {
    const list = outcome.tooLarge
      .map((f) => ({ name: displayOf(guard, f), size: f.size ?? 0 }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const k = list.length;
    notes.push(
      `[${n(k)} file${k === 1 ? '' : 's'} over the ${formatBytes(query.maxFileBytes)} search limit ${k === 1 ? 'was' : 'were'} not searched: ${names(list.map((f) => `${f.name} (${formatBytes(f.size)})`))}. Read a part of one with read_file start_line/end_line.]`,
    );
  }
  if (outcome.binary.length) {
    const list = outcome.binary.map((f) => `${displayOf(guard, f)} (${n(f.matches ?? 0)})`).sort();
    const k = list.length;
    notes.push(
      `[${n(k)} binary file${k === 1 ? '' : 's'} also match${k === 1 ? 'es' : ''}; binary lines are not shown: ${names(list)}.]`,
    );
  }
  if (outcome.unreadable.length) {
    const list = outcome.unreadable.map((f) => displayOf(guard, f)).sort();
    notes.push(`[${n(list.length)} file${list.length === 1 ? '' : 's'} could not be read: ${names(list)}.]`);
  }
  for (const w of warnings) notes.push(`[${w}]`);

  if (found.length === 0) {
    const output = [`No matches for ${what} in ${scope}${ignoreCase ? ' (case-insensitive)' : ''}.`, ...notes].join(
      '\n',
    );
    return { output, summary: timedOut ? 'no matches (time limit)' : 'no matches' };
  }
  const header = `${matchCount} matching line${matchCount === 1 ? '' : 's'} in ${found.length} file${found.length === 1 ? '' : 's'} for ${what} in ${scope}:`;
  // Header, files (with -- between them when there is context) and notes, joined by newlines and
  // bounded without building the joined text: it can be tens of megabytes.
  const parts = [header];
  for (const f of found) {
    if (context > 0 && parts.length > 1) parts.push('--');
    parts.push(f.text);
  }
  // The notes come last, and the cut of an over-long body keeps the tail, so they always show.
  parts.push(...notes);
  const output = boundJoined(parts, ctx.settings.maxOutputBytes, {
    hint: 'narrow the search with path, include or a more specific pattern',
  });
  const plural = (k: number, word: string) => `${word}${k === 1 ? '' : word.endsWith('h') ? 'es' : 's'}`;
  const more = budget.cut || (budget.full && (countingCut || timedOut)) || timedOut;
  return {
    output,
    summary: `${matchCount}${more ? '+' : ''} ${plural(matchCount, 'match')} in ${found.length} ${plural(found.length, 'file')}`,
  };
}

const n = (k: number): string => k.toLocaleString('en-US');

/** The first few names of a list, and how many more. */
function names(list: readonly string[], max = 5): string {
  return list.slice(0, max).join(', ') + (list.length > max ? `, and ${n(list.length - max)} more` : '');
}

/** grep's line format: path:line:text for matches, path-line-text for context, -- between gaps. */
export function formatFile(name: string, file: GrepFileResult, context: number): string {
  const out: string[] = [];
  let prev = 0;
  for (const l of file.lines) {
    if (context > 0 && prev && l.line > prev + 1) out.push('--');
    out.push(`${name}${l.match ? ':' : '-'}${l.line}${l.match ? ':' : '-'}${excerpt(l.text, l.column)}`);
    prev = l.line;
  }
  return out.join('\n');
}

function displayOf(guard: WorkspaceGuard, file: Pick<GrepFileResult, 'root' | 'rel'>): string {
  return guard.displayRel(file.root, file.rel);
}

function excerpt(text: string, column: number): string {
  const max = LIMITS.maxGrepLineChars;
  if (text.length <= max) return text;
  const start = column > max - 100 ? column - 100 : 0;
  const end = Math.min(text.length, start + max);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? `… [+${text.length - end} chars]` : ''}`;
}
