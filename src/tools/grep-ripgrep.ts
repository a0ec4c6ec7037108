// The ripgrep grep engine: runs `rg --json` from each workspace root and parses its stream.
// The flags make ripgrep hide what the guard hides and nothing else: .gitignore files apply
// without a git repository, no global/exclude/.ignore files, .warmlineignore through
// --ignore-file, .git and node_modules skipped, secrets excluded by --glob. Every file it
// reports still passes the guard (an include glob overrides .gitignore in ripgrep, and a
// secret pattern with an exception cannot be a --glob), and files ripgrep flags as binary are
// dropped, so its results agree with the Node engine's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WARMLINE_IGNORE_FILE } from './guard.ts';
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';
import { LIMITS } from './settings.ts';
import type { GrepEngine, GrepLine, GrepOutcome, GrepQuery, GrepTarget, OnFile } from './grep-search.ts';

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
  };
}

const decode = (t: RgText | undefined): string => (t?.text !== undefined ? t.text : t?.bytes !== undefined ? Buffer.from(t.bytes, 'base64').toString('utf8') : '');

/** The ripgrep arguments for one workspace root (exported for the benchmark and tests). */
export function ripgrepArgs(guard: WorkspaceGuard, root: WorkspaceRoot, query: GrepQuery, paths: string[]): string[] {
  const args = [
    '--json', '--no-config', '--hidden', '--no-require-git', '--no-ignore-global', '--no-ignore-exclude', '--no-ignore-dot',
    '--crlf', '--max-filesize', String(query.maxFileBytes), query.ignoreCase ? '--ignore-case' : '--case-sensitive',
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
      const outcome: GrepOutcome = { warnings: [] };
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
  const args = ripgrepArgs(guard, root, query, paths);
  return new Promise<boolean>((resolve, reject) => {
    const child = spawn(rgPath, args, { cwd: root.path, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stopped = false;
    let settled = false;
    let emitted = false;
    let stderr = '';
    let pending = '';
    // Per-file results arrive begin..end; ripgrep writes each file's messages together.
    const files = new Map<string, GrepLine[]>();

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

    const finishFile = (rgPathText: string, binary: boolean) => {
      const lines = files.get(rgPathText);
      files.delete(rgPathText);
      if (!lines || binary || !lines.some((l) => l.match)) return;
      const rel = rgPathText.replace(/^\.\//, '').split(path.sep).join('/');
      const target = targets.filter((t) => t.rel === '' || rel === t.rel || rel.startsWith(`${t.rel}/`)).sort((a, b) => b.rel.length - a.rel.length)[0];
      if (stopped || !target) return;
      if (guard.hiddenBelow(root, target.isFile ? rel : target.rel, rel, memo)) return;
      emitted = true;
      if (!onFile({ root, rel, lines })) stop('limit');
    };

    const handle = (line: string) => {
      if (!line || stopped) return;
      let msg: RgMessage;
      try { msg = JSON.parse(line) as RgMessage } catch { return }
      const p = decode(msg.data.path);
      if (msg.type === 'begin') files.set(p, []);
      else if (msg.type === 'match' || msg.type === 'context') {
        const raw = decode(msg.data.lines);
        let text = raw;
        if (text.endsWith('\n')) text = text.slice(0, -1);
        if (text.endsWith('\r')) text = text.slice(0, -1);
        // The match column only matters for lines long enough to be cut around it.
        let column = 0;
        const start = msg.data.submatches?.[0]?.start;
        if (msg.type === 'match' && start !== undefined && text.length > LIMITS.maxGrepLineChars) column = Buffer.from(raw).subarray(0, start).toString('utf8').length;
        const list = files.get(p) ?? [];
        list.push({ line: msg.data.line_number ?? 0, text, match: msg.type === 'match', column });
        files.set(p, list);
      } else if (msg.type === 'end') finishFile(p, msg.data.binary_offset !== null && msg.data.binary_offset !== undefined);
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let from = 0;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', from)) {
        handle(pending.slice(from, nl));
        from = nl + 1;
      }
      pending = pending.slice(from);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { if (stderr.length < 64 * 1024) stderr += chunk });
    const cleanup = () => { clearTimeout(timer); signal.removeEventListener('abort', onAbort) };
    child.on('error', (err) => {
      cleanup();
      if (!settled) { settled = true; reject(new RipgrepSpawnError(`could not run ripgrep at ${rgPath}: ${err.message}`)) }
    });
    child.on('close', (code) => {
      cleanup();
      handle(pending);
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
