// The ripgrep grep engine: runs `rg --json` from each workspace root and parses its stream.
// The flags make ripgrep hide what the guard hides and nothing else: .gitignore files apply
// without a git repository, no global/exclude/.ignore files, .warmlineignore through
// --ignore-file, .git and node_modules skipped, secrets excluded by --glob. Every file it
// reports still passes the guard (an include glob overrides .gitignore in ripgrep, and a
// secret pattern with an exception cannot be a --glob), and files ripgrep flags as binary are
// reported apart (binary files that match: --binary searches them through, as the Node engine
// does), so its results agree with the Node engine's. Files over --max-filesize ripgrep names
// only in its --debug log on stderr; that log is read line by line to report them too.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WARMLINE_IGNORE_FILE } from './guard.ts';
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';
import { LIMITS } from './settings.ts';
import { globFilter, newOutcome } from './grep-search.ts';
import type { FileMode, GrepEngine, GrepLine, GrepOutcome, GrepQuery, GrepTarget, OnFile } from './grep-search.ts';

/** ripgrep rejected the pattern (its regex syntax differs from JavaScript's in places). */
export class RipgrepRegexError extends Error {}
/** ripgrep could not be started at all. */
export class RipgrepSpawnError extends Error {}

interface RgText { text?: string; bytes?: string }
interface RgMessage {
  type: 'begin' | 'match' | 'context' | 'end' | 'summary';
  data: {
    path?: RgText;
    lines?: RgText;
    line_number?: number;
    submatches?: Array<{ start: number }>;
    binary_offset?: number | null;
    stats?: { matched_lines?: number };
  };
}

/** A --debug line of ripgrep: `rg: DEBUG|module|file.rs:123: message` (older versions lack "rg: "). */
const DEBUG_LINE = /^(?:rg: )?DEBUG\|([\w:]+)\|.*?:\d+: (.*)$/;
const SKIPPED_FOR_SIZE = /^ignoring (.+): (\d+) bytes$/;

/**
 * What one line of ripgrep's stderr says: a file it skipped for size, other debug chatter, or an
 * error. (ripgrep 13 logs the size before it applies ignore rules and globs, 14+ after: callers
 * filter the paths themselves.)
 */
export function parseRipgrepStderr(line: string): { skipped: 'size'; path: string; size: number } | { debug: true } | { error: string } {
  const m = DEBUG_LINE.exec(line);
  if (!m) return { error: line };
  const [, module, message] = m as unknown as [string, string, string];
  const size = module.startsWith('ignore') ? SKIPPED_FOR_SIZE.exec(message) : null;
  if (size) return { skipped: 'size', path: size[1]!, size: Number(size[2]) };
  return { debug: true };
}

const decode = (t: RgText | undefined): string => (t?.text !== undefined ? t.text : t?.bytes !== undefined ? Buffer.from(t.bytes, 'base64').toString('utf8') : '');

/** The ripgrep arguments for one workspace root (exported for the benchmark and tests). */
export function ripgrepArgs(guard: WorkspaceGuard, root: WorkspaceRoot, query: GrepQuery, paths: string[]): string[] {
  const args = [
    '--json', '--no-config', '--hidden', '--no-require-git', '--no-ignore-global', '--no-ignore-exclude', '--no-ignore-dot',
    '--crlf', '--max-filesize', String(query.maxFileBytes), query.ignoreCase ? '--ignore-case' : '--case-sensitive',
    // Binary files are searched through (NUL read as a line end) so those that match can be named.
    '--binary',
  ];
  if (query.literal) args.push('--fixed-strings');
  if (query.context > 0) args.push('--context', String(query.context));
  const warmlineIgnore = path.join(root.path, WARMLINE_IGNORE_FILE);
  if (fs.existsSync(warmlineIgnore)) args.push('--ignore-file', warmlineIgnore);
  // Overrides: the last matching glob wins, so skips and secrets come after the includes.
  for (const g of query.include) args.push('--glob', g);
  for (const g of query.exclude) args.push('--glob', `!${g}`);
  args.push('--glob', '!.git', '--glob', '!node_modules');
  for (const g of guard.ripgrepSecretGlobs()) args.push('--glob', g);
  args.push('--regexp', query.pattern, '--', ...paths);
  return args;
}

export function ripgrepEngine(rgPath: string): GrepEngine {
  return {
    name: 'ripgrep',
    async search(guard: WorkspaceGuard, targets: GrepTarget[], query: GrepQuery, signal: AbortSignal, onFile: OnFile): Promise<GrepOutcome> {
      const outcome = newOutcome();
      const byRoot = new Map<WorkspaceRoot, GrepTarget[]>();
      for (const t of targets) byRoot.set(t.root, [...(byRoot.get(t.root) ?? []), t]);
      const memo = new Map<string, boolean>();
      for (const [root, rootTargets] of byRoot) {
        const stopped = await runOne(rgPath, guard, root, rootTargets, query, signal, onFile, memo, outcome);
        if (stopped) break;
      }
      return outcome;
    },
  };
}

/** Runs ripgrep in one root; true when the search should stop (cap, time, cancel). */
function runOne(rgPath: string, guard: WorkspaceGuard, root: WorkspaceRoot, targets: GrepTarget[], query: GrepQuery, signal: AbortSignal, onFile: OnFile, memo: Map<string, boolean>, outcome: GrepOutcome): Promise<boolean> {
  const paths = targets.map((t) => t.rel || '.');
  // --debug: the only place ripgrep names the files it skips for size or as binary.
  const args = ['--debug', ...ripgrepArgs(guard, root, query, paths)];
  return new Promise<boolean>((resolve, reject) => {
    const child = spawn(rgPath, args, { cwd: root.path, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stopped = false;
    let settled = false;
    let emitted = false;
    let stderr = '';
    let pending = '';
    let pendingErr = '';
    let mode: FileMode = 'full';
    // Per-file results arrive begin..end; ripgrep writes each file's messages together.
    const files = new Map<string, GrepLine[]>();
    // ripgrep 13 logs a file's size before it applies the include/exclude globs.
    const globs = globFilter(query.include, query.exclude);

    const stop = (why: 'time' | 'cancelled' | 'limit') => {
      if (stopped) return;
      stopped = true;
      outcome.stoppedBy ??= why;
      child.kill();
    };
    const timer = setTimeout(() => stop('time'), Math.max(0, query.deadline - Date.now()));
    const onAbort = () => stop('cancelled');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();

    /** The root-relative path of a path ripgrep printed, when the guard lets it be shown. */
    const visible = (rgPathText: string): string | undefined => {
      const rel = rgPathText.replace(/^\.\//, '').split(path.sep).join('/');
      const target = targets.filter((t) => t.rel === '' || rel === t.rel || rel.startsWith(`${t.rel}/`)).sort((a, b) => b.rel.length - a.rel.length)[0];
      if (!target || guard.hiddenBelow(root, target.isFile ? rel : target.rel, rel, memo)) return undefined;
      return rel;
    };
    const tooLarge = (rgPathText: string, size: number) => {
      if (stopped) return;
      const rel = visible(rgPathText);
      if (rel !== undefined && globs.included(rel) && !globs.excluded(rel, false)) outcome.tooLarge.push({ root, rel, size });
    };

    const finishFile = (rgPathText: string, msg: RgMessage) => {
      const lines = files.get(rgPathText);
      files.delete(rgPathText);
      if (stopped) return;
      const matches = lines ? lines.filter((l) => l.match).length : msg.data.stats?.matched_lines ?? 0;
      if (matches === 0) return;
      const rel = visible(rgPathText);
      if (rel === undefined) return;
      emitted = true;
      if (msg.data.binary_offset !== null && msg.data.binary_offset !== undefined) { outcome.binary.push({ root, rel, matches }); return }
      mode = onFile({ root, rel, lines: lines ?? [], matches });
      if (mode === 'stop') stop('limit');
    };

    const handle = (line: string) => {
      if (!line || stopped) return;
      // Counting only: the lines of a match are not needed, so they are not even parsed.
      if (mode === 'count' && (line.startsWith('{"type":"match"') || line.startsWith('{"type":"context"'))) return;
      let msg: RgMessage;
      try { msg = JSON.parse(line) as RgMessage } catch { return }
      const p = decode(msg.data.path);
      if (msg.type === 'begin') {
        if (mode === 'full') files.set(p, []);
      } else if (msg.type === 'match' || msg.type === 'context') {
        const list = files.get(p);
        if (!list) return;
        const raw = decode(msg.data.lines);
        let text = raw;
        if (text.endsWith('\n')) text = text.slice(0, -1);
        if (text.endsWith('\r')) text = text.slice(0, -1);
        // The match column only matters for lines long enough to be cut around it.
        let column = 0;
        const start = msg.data.submatches?.[0]?.start;
        if (msg.type === 'match' && start !== undefined && text.length > LIMITS.maxGrepLineChars) column = Buffer.from(raw).subarray(0, start).toString('utf8').length;
        list.push({ line: msg.data.line_number ?? 0, text, match: msg.type === 'match', column });
      } else if (msg.type === 'end') finishFile(p, msg);
    };

    const handleErr = (line: string) => {
      if (!line) return;
      const said = parseRipgrepStderr(line);
      if ('skipped' in said) {
        tooLarge(said.path, said.size);
      } else if ('error' in said && stderr.length < 64 * 1024) {
        stderr += `${said.error}\n`;
      }
    };

    const lines = (chunk: string, buffered: string, each: (line: string) => void): string => {
      let text = buffered + chunk;
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        each(text.slice(from, nl));
        from = nl + 1;
      }
      text = text.slice(from);
      return text;
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => { pending = lines(chunk, pending, handle) });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { pendingErr = lines(chunk, pendingErr, handleErr) });
    const cleanup = () => { clearTimeout(timer); signal.removeEventListener('abort', onAbort) };
    child.on('error', (err) => {
      cleanup();
      if (!settled) { settled = true; reject(new RipgrepSpawnError(`could not run ripgrep at ${rgPath}: ${err.message}`)) }
    });
    child.on('close', (code) => {
      cleanup();
      handle(pending);
      handleErr(pendingErr);
      if (settled) return;
      settled = true;
      if (!stopped && code === 2 && /regex parse error|error parsing regex|regex.*(not allowed|not supported)/i.test(stderr)) {
        reject(new RipgrepRegexError(stderr.replace(/^rg: /, '').trim()));
        return;
      }
      if (!stopped && code !== 0 && code !== 1) {
        const said = stderr.trim().split('\n').slice(0, 3).join('; ');
        // Nothing came out: ripgrep did not work here at all, so let the caller search without it.
        if (!emitted) { reject(new RipgrepSpawnError(`ripgrep at ${rgPath} failed (exit ${code ?? 'by signal'}${said ? `: ${said}` : ''})`)); return }
        if (said) outcome.warnings.push(`ripgrep reported: ${said}`);
      }
      resolve(stopped);
    });
  });
}
