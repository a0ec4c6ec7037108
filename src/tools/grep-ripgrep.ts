// The ripgrep grep engine: runs rg from each workspace root and reads its standard output
// (grep-ripgrep-plain.ts), with `rg --json` for what that output cannot say exactly; rg writes
// to a spool file read as it grows (see openSpool).
// The flags make ripgrep hide what the guard hides and nothing else: .gitignore files apply
// without a git repository, no global/exclude/.ignore files, .warmlineignore through
// --ignore-file, .git and node_modules skipped, secrets excluded by --glob. Every file it
// reports still passes the guard (an include glob overrides .gitignore in ripgrep, and a
// secret pattern with an exception cannot be a --glob), and files ripgrep flags as binary are
// reported apart (binary files that match: --binary searches them through, as the Node engine
// does), so its results agree with the Node engine's. Files over --max-filesize ripgrep names
// only in its --debug log on stderr; that log is read line by line to report them too.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { WARMLINE_IGNORE_FILE } from './guard.ts';
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';
import { LIMITS } from './settings.ts';
import { PLAIN_OUTPUT_FLAGS, RipgrepPlainParser } from './grep-ripgrep-plain.ts';
import { globFilter, newOutcome } from './grep-search.ts';
import type {
  FileMode,
  GlobFilter,
  GrepEngine,
  GrepLine,
  GrepOutcome,
  GrepQuery,
  GrepTarget,
  OnFile,
} from './grep-search.ts';

/** ripgrep rejected the pattern (its regex syntax differs from JavaScript's in places). */
export class RipgrepRegexError extends Error {}
/** ripgrep could not be started at all. */
export class RipgrepSpawnError extends Error {}

interface RgText {
  text?: string;
  bytes?: string;
}
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
export function parseRipgrepStderr(
  line: string,
): { skipped: 'size'; path: string; size: number } | { debug: true } | { error: string } {
  const m = DEBUG_LINE.exec(line);
  if (!m) return { error: line };
  const [, module, message] = m as unknown as [string, string, string];
  const size = module.startsWith('ignore') ? SKIPPED_FOR_SIZE.exec(message) : null;
  if (size) return { skipped: 'size', path: size[1]!, size: Number(size[2]) };
  return { debug: true };
}

const decode = (t: RgText | undefined): string =>
  t?.text !== undefined ? t.text : t?.bytes !== undefined ? Buffer.from(t.bytes, 'base64').toString('utf8') : '';

const REGEX_ERROR = /regex parse error|error parsing regex|regex.*(not allowed|not supported)/i;

/**
 * The ripgrep arguments for one workspace root (exported for the benchmark and tests): the file
 * selection, the pattern, and the output format (`--json`, or the standard output that
 * `grep-ripgrep-plain.ts` reads). The guard must have prepared the root (`guard.prepare(root, '')`).
 */
export function ripgrepArgs(
  guard: WorkspaceGuard,
  root: WorkspaceRoot,
  query: GrepQuery,
  paths: string[],
  output: 'json' | 'plain' = 'json',
): string[] {
  const args = [
    ...(output === 'json' ? ['--json'] : PLAIN_OUTPUT_FLAGS),
    '--no-config',
    '--hidden',
    '--no-require-git',
    '--no-ignore-global',
    '--no-ignore-exclude',
    '--no-ignore-dot',
    '--crlf',
    '--max-filesize',
    String(query.maxFileBytes),
    query.ignoreCase ? '--ignore-case' : '--case-sensitive',
    // Binary files are searched through (NUL read as a line end) so those that match can be named.
    '--binary',
  ];
  if (query.literal) args.push('--fixed-strings');
  if (query.context > 0) args.push('--context', String(query.context));
  // (The guard has read it: `prepare` comes first.)
  if (guard.hasWarmlineRules(root)) args.push('--ignore-file', path.join(localRoot(root), WARMLINE_IGNORE_FILE));
  // Overrides: the last matching glob wins, so skips and secrets come after the includes.
  for (const g of query.include) args.push('--glob', g);
  for (const g of query.exclude) args.push('--glob', `!${g}`);
  args.push('--glob', '!.git', '--glob', '!node_modules');
  for (const g of guard.ripgrepSecretGlobs()) args.push('--glob', g);
  args.push('--regexp', query.pattern, '--', ...paths);
  return args;
}

/** How much of the spooled output one read takes. */
const SPOOL_READ_BYTES = 256 * 1024;

/**
 * A temporary file for ripgrep's output, already unlinked (it lives as long as the open file):
 * ripgrep writes to it at its own pace while this process reads it as it grows. Through a pipe,
 * ripgrep's threads wait whenever this thread is busy with what it already read (parsing,
 * checking, formatting), and on many matches that waiting was most of the tool's time over rg's.
 * Undefined on Windows (an open file cannot be unlinked there) or when no file can be made: then
 * a pipe. The file holds what ripgrep wrote ahead of the reader; a capped search reads quickly
 * (it only counts past the cap) and kills ripgrep soon, so that stays small.
 */
function openSpool(): number | undefined {
  if (process.platform === 'win32') return undefined;
  const file = path.join(os.tmpdir(), `warmline-rg-${process.pid}-${randomUUID()}`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx+', 0o600);
  } catch {
    return undefined;
  }
  try {
    fs.unlinkSync(file);
    return fd;
  } catch {
    fs.closeSync(fd);
    return undefined;
  }
}

export interface RipgrepEngineOptions {
  /**
   * 'plain' (the default): ripgrep's standard output, read as bytes, with `--json` searches for
   * what it cannot say exactly (binary files, some line ends, odd file names). 'json': `--json`
   * only (slower on many matches; the tests compare the two).
   */
  output?: 'plain' | 'json';
  /**
   * Called before each ripgrep run (tests): 'json' or 'plain' for the search, 'again' for the
   * files the standard output could not report exactly, 'fallback' for the whole root again
   * with --json when that output could not be read.
   */
  onRun?: (run: 'json' | 'plain' | 'again' | 'fallback', paths: readonly string[]) => void;
  /** false: ripgrep writes to a pipe even where it could write to a spool file (see openSpool; tests run both). */
  spool?: boolean;
}

export function ripgrepEngine(rgPath: string, options: RipgrepEngineOptions = {}): GrepEngine {
  return {
    name: 'ripgrep',
    async search(
      guard: WorkspaceGuard,
      targets: GrepTarget[],
      query: GrepQuery,
      signal: AbortSignal,
      onFile: OnFile,
    ): Promise<GrepOutcome> {
      const outcome = newOutcome();
      const byRoot = new Map<WorkspaceRoot, GrepTarget[]>();
      for (const t of targets) byRoot.set(t.root, [...(byRoot.get(t.root) ?? []), t]);
      for (const [root, rootTargets] of byRoot) {
        const stopped = await new RootSearch(rgPath, guard, root, rootTargets, query, signal, onFile, outcome).run(
          options,
        );
        if (stopped) break;
      }
      return outcome;
    },
  };
}

/** A file as a --json search reports it. */
interface JsonFile {
  pathText: string;
  lines: GrepLine[];
  matches: number;
  binary: boolean;
}

/** Calls `each` for every whole line of `text`; returns the unfinished rest. */
function eachLine(text: string, each: (line: string) => void): string {
  let from = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
    each(text.slice(from, nl));
    from = nl + 1;
  }
  return text.slice(from);
}

/** The search of one workspace root: one ripgrep run, or a few when the fast output needs help. */
class RootSearch {
  private mode: FileMode = 'full';
  private stopped = false;
  /** Something was reported (a ripgrep that fails after that is not replaced by the Node engine). */
  private emitted = false;
  private child: ChildProcess | undefined;
  /** A run whose output is no longer read (its output could not be parsed exactly). */
  private abandoned: ChildProcess | undefined;
  /** Files reported so far: a search repeated with --json skips them. */
  private readonly reported: string[] = [];
  private skip: Set<string> | undefined;
  /** Per target: whether a folder below its start is hidden by the guard. */
  private readonly hiddenDirs = new Map<GrepTarget, Map<string, boolean>>();
  // ripgrep 13 logs a file's size before it applies the include/exclude globs.
  private readonly globs: GlobFilter;
  private onRun: RipgrepEngineOptions['onRun'];
  private spool = true;

  private readonly rgPath: string;
  private readonly guard: WorkspaceGuard;
  private readonly root: WorkspaceRoot;
  private readonly targets: GrepTarget[];
  private readonly query: GrepQuery;
  private readonly signal: AbortSignal;
  private readonly onFile: OnFile;
  private readonly outcome: GrepOutcome;

  constructor(
    rgPath: string,
    guard: WorkspaceGuard,
    root: WorkspaceRoot,
    targets: GrepTarget[],
    query: GrepQuery,
    signal: AbortSignal,
    onFile: OnFile,
    outcome: GrepOutcome,
  ) {
    this.rgPath = rgPath;
    this.guard = guard;
    this.root = root;
    this.targets = targets;
    this.query = query;
    this.signal = signal;
    this.onFile = onFile;
    this.outcome = outcome;
    this.globs = globFilter(query.include, query.exclude);
  }

  /** True when the search should stop (cap, time, cancel). */
  async run(options: RipgrepEngineOptions): Promise<boolean> {
    this.onRun = options.onRun;
    this.spool = options.spool ?? true;
    await this.guard.prepare(this.root, '');
    const timer = setTimeout(() => this.stop('time'), Math.max(0, this.query.deadline - Date.now()));
    const onAbort = () => this.stop('cancelled');
    this.signal.addEventListener('abort', onAbort, { once: true });
    if (this.signal.aborted) onAbort();
    try {
      const paths = this.targets.map((t) => t.rel || '.');
      // --json for context lines (the standard output leaves out binary files then), for one file
      // (its binary detection differs from a walk's, which the searches again below reproduce),
      // and for a start path with a line feed (it would make the standard output ambiguous).
      if (
        options.output === 'json' ||
        this.query.context > 0 ||
        this.targets.some((t) => t.isFile || t.rel.includes('\n'))
      ) {
        this.onRun?.('json', paths);
        await this.json(paths, true, (f) => this.report(f));
      } else {
        this.onRun?.('plain', paths);
        await this.plain(paths);
      }
      return this.stopped;
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private stop(why: 'time' | 'cancelled' | 'limit'): void {
    if (this.stopped) return;
    this.stopped = true;
    this.outcome.stoppedBy ??= why;
    this.child?.kill();
  }

  /** The standard-output search, with --json for the files it cannot report exactly. */
  private async plain(paths: string[]): Promise<void> {
    const redo: string[] = [];
    const binaries = new Set<string>();
    let anomaly = false;
    const tooLargeBefore = this.outcome.tooLarge.length;
    const abandon = () => {
      anomaly = true;
      this.abandoned = this.child;
      this.child?.kill();
    };
    const parser = new RipgrepPlainParser({
      columnAfter: LIMITS.maxGrepLineChars,
      wantLines: () => this.mode === 'full',
      onAnomaly: abandon,
      onFile: (f) => {
        if (!f.redo) {
          this.report({ pathText: f.path, lines: f.lines, matches: f.matches, binary: false });
          return;
        }
        // Searched again with --json below, so its path goes on a command line as it is.
        if (!Buffer.from(f.path, 'utf8').equals(f.pathBytes)) {
          abandon();
          return;
        }
        // A binary message could be imitated by a file name with a line feed: one that names a
        // file ripgrep would not have searched is not taken, and --json must confirm the rest.
        if (f.binary) {
          // (A real binary message and an imitation of it would name the file twice.)
          if (binaries.has(f.path)) {
            abandon();
            return;
          }
          binaries.add(f.path);
        }
        redo.push(f.path);
      },
    });
    const args = ['--debug', ...ripgrepArgs(this.guard, this.root, this.query, paths, 'plain')];
    const exit = await this.spawnRg(
      args,
      (chunk) => parser.push(chunk),
      () => parser.end(),
    );
    if (this.stopped) return;
    if (!anomaly) this.checkExit(exit);
    if (!anomaly) for (const b of binaries) if (!(await this.searchable(b))) anomaly = true;
    if (!anomaly && redo.length > 0) {
      const again: JsonFile[] = [];
      // Named files are read whole (memory-mapped) by default, which changes how a binary file is
      // searched; --no-mmap reads them as the walk did.
      this.onRun?.('again', redo);
      await this.json(redo, false, (f) => again.push(f), ['--no-mmap']);
      if (this.stopped) return;
      const confirmed = new Set(again.filter((f) => f.binary && f.matches > 0).map((f) => f.pathText));
      anomaly = [...binaries].some((b) => !confirmed.has(b));
      if (!anomaly) for (const f of again) this.report(f);
    }
    if (anomaly) {
      // The whole root again with --json; what was reported already is skipped.
      this.skip = new Set(this.reported);
      this.outcome.tooLarge.length = tooLargeBefore;
      this.onRun?.('fallback', paths);
      await this.json(paths, true, (f) => this.report(f));
    }
  }

  /** A --json search of these paths; each file goes to `sink` as it ends. */
  private async json(
    paths: string[],
    debug: boolean,
    sink: (f: JsonFile) => void,
    flags: string[] = [],
  ): Promise<void> {
    // Per-file results arrive begin..end; ripgrep writes each file's messages together.
    const files = new Map<string, GrepLine[]>();
    const handle = (line: string) => {
      if (!line || this.stopped) return;
      // Counting only: the lines of a match are not needed, so they are not even parsed.
      if (this.mode === 'count' && (line.startsWith('{"type":"match"') || line.startsWith('{"type":"context"'))) return;
      let msg: RgMessage;
      try {
        msg = JSON.parse(line) as RgMessage;
      } catch {
        return;
      }
      const p = decode(msg.data.path);
      if (msg.type === 'begin') {
        if (this.mode === 'full') files.set(p, []);
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
        if (msg.type === 'match' && start !== undefined && text.length > LIMITS.maxGrepLineChars)
          column = Buffer.from(raw).subarray(0, start).toString('utf8').length;
        list.push({ line: msg.data.line_number ?? 0, text, match: msg.type === 'match', column });
      } else if (msg.type === 'end') {
        const lines = files.get(p);
        files.delete(p);
        if (this.stopped) return;
        const matches = lines ? lines.filter((l) => l.match).length : (msg.data.stats?.matched_lines ?? 0);
        const binary = msg.data.binary_offset !== null && msg.data.binary_offset !== undefined;
        sink({ pathText: p, lines: lines ?? [], matches, binary });
      }
    };
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const args = [
      ...(debug ? ['--debug'] : []),
      ...flags,
      ...ripgrepArgs(this.guard, this.root, this.query, paths, 'json'),
    ];
    const exit = await this.spawnRg(
      args,
      (chunk) => {
        pending = eachLine(pending + decoder.write(chunk), handle);
      },
      () => handle(pending + decoder.end()),
    );
    if (!this.stopped) this.checkExit(exit);
  }

  /** Runs ripgrep once in the root, feeding its output to `onOut` (and `onEnd` after the last chunk). */
  private spawnRg(
    args: string[],
    onOut: (chunk: Buffer) => void,
    onEnd: () => void,
  ): Promise<{ code: number | null; errors: string }> {
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        resolve({ code: null, errors: '' });
        return;
      }
      const spool = this.spool ? openSpool() : undefined;
      let child: ChildProcess;
      try {
        child = spawn(this.rgPath, args, {
          cwd: localRoot(this.root),
          stdio: ['ignore', spool ?? 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (e) {
        if (spool !== undefined) fs.closeSync(spool);
        throw e;
      }
      this.child = child;
      let settled = false;
      let errors = '';
      let pendingErr = '';
      /** ripgrep's exit code, once it has exited and its stderr is read. */
      let exit: { code: number | null } | undefined;
      /** All of its output is read (or no longer wanted). */
      let drained = spool === undefined;
      /** Reads the spool file now if its reads are waiting for more. */
      let wake = () => {};
      const reading = () => !this.stopped && child !== this.abandoned;
      const handleErr = (line: string) => {
        if (!line) return;
        const said = parseRipgrepStderr(line);
        if ('skipped' in said) {
          if (reading()) this.tooLarge(said.path, said.size);
        } else if ('error' in said && errors.length < 64 * 1024) {
          errors += `${said.error}\n`;
        }
      };
      const finish = () => {
        if (settled || !exit || !drained) return;
        settled = true;
        if (reading()) onEnd();
        resolve({ code: exit.code, errors });
      };
      if (spool === undefined) {
        child.stdout!.on('data', (chunk: Buffer) => {
          if (reading()) onOut(chunk);
        });
      } else {
        // Read the file as ripgrep writes it: a read that finds nothing new after ripgrep has
        // exited (seen before the read began, so its last write came first) means all is read.
        // While nothing new comes, reads wait longer and longer (1 to 16 ms); ripgrep's exit
        // wakes them at once. The reads are the file's only use here: they close it when they stop.
        let at = 0;
        let idleMs = 0;
        let sleeping: NodeJS.Timeout | undefined;
        const stop = () => {
          drained = true;
          fs.close(spool, () => {});
          finish();
        };
        const pump = () => {
          sleeping = undefined;
          if (settled || !reading()) {
            stop();
            return;
          }
          const exitedBefore = exit !== undefined;
          const chunk = Buffer.allocUnsafe(SPOOL_READ_BYTES);
          fs.read(spool, chunk, 0, chunk.length, at, (err, n) => {
            if (err) {
              if (errors.length < 64 * 1024) errors += `reading ripgrep's output: ${err.message}\n`;
              stop();
            } else if (n > 0) {
              at += n;
              idleMs = 0;
              if (reading()) onOut(chunk.subarray(0, n));
              setImmediate(pump);
            } else if (exitedBefore) {
              stop();
            } else {
              idleMs = Math.min(16, Math.max(1, idleMs * 2));
              sleeping = setTimeout(pump, idleMs);
            }
          });
        };
        wake = () => {
          if (sleeping) {
            clearTimeout(sleeping);
            pump();
          }
        };
        pump();
      }
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        pendingErr = eachLine(pendingErr + chunk, handleErr);
      });
      child.on('error', (err) => {
        if (this.child === child) this.child = undefined;
        if (settled) return;
        settled = true;
        reject(new RipgrepSpawnError(`could not run ripgrep at ${this.rgPath}: ${err.message}`));
      });
      child.on('close', (code) => {
        if (this.child === child) this.child = undefined;
        handleErr(pendingErr);
        exit = { code };
        wake();
        finish();
      });
    });
  }

  /** Throws for a pattern ripgrep rejects, or for a ripgrep that failed before reporting anything. */
  private checkExit({ code, errors }: { code: number | null; errors: string }): void {
    if (code === 2 && REGEX_ERROR.test(errors)) throw new RipgrepRegexError(errors.replace(/^rg: /, '').trim());
    if (code !== 0 && code !== 1) {
      const said = errors.trim().split('\n').slice(0, 3).join('; ');
      // Nothing came out: ripgrep did not work here at all, so let the caller search without it.
      if (!this.emitted)
        throw new RipgrepSpawnError(
          `ripgrep at ${this.rgPath} failed (exit ${code ?? 'by signal'}${said ? `: ${said}` : ''})`,
        );
      if (said) this.outcome.warnings.push(`ripgrep reported: ${said}`);
    }
  }

  /** A file's result, when the guard lets it be shown and it was not reported yet. */
  private report(f: JsonFile): void {
    if (this.stopped || f.matches === 0) return;
    const rel = this.visible(f.pathText);
    if (rel === undefined || this.skip?.has(rel)) return;
    this.reported.push(rel);
    this.emitted = true;
    if (f.binary) {
      this.outcome.binary.push({ root: this.root, rel, matches: f.matches });
      return;
    }
    this.mode = this.onFile({ root: this.root, rel, lines: f.lines, matches: f.matches });
    if (this.mode === 'stop') this.stop('limit');
  }

  private tooLarge(pathText: string, size: number): void {
    if (this.stopped) return;
    const rel = this.visible(pathText);
    if (rel !== undefined && this.globs.included(rel) && !this.globs.excluded(rel, false))
      this.outcome.tooLarge.push({ root: this.root, rel, size });
  }

  /** Whether ripgrep's walk would search this path: shown by the guard, selected by the globs, a regular file within the size limit. */
  private async searchable(pathText: string): Promise<boolean> {
    const rel = this.visible(pathText);
    if (rel === undefined || !this.globs.included(rel) || this.globs.excluded(rel, false)) return false;
    const segments = rel.split('/');
    for (let i = 1; i < segments.length; i++)
      if (this.globs.excluded(segments.slice(0, i).join('/'), true)) return false;
    const stat = await this.guard.host.fs.stat(this.guard.uriOf(this.root, rel)).catch(() => undefined);
    return stat !== undefined && stat.type === 'file' && !stat.symlink && stat.size <= this.query.maxFileBytes;
  }

  /** The root-relative path of a path ripgrep printed, when the guard lets it be shown. */
  private visible(pathText: string): string | undefined {
    let rel = pathText.startsWith('./') ? pathText.slice(2) : pathText;
    if (path.sep !== '/') rel = rel.split(path.sep).join('/');
    let target: GrepTarget | undefined;
    for (const t of this.targets) {
      if (
        (t.rel === '' || rel === t.rel || (rel.startsWith(t.rel) && rel[t.rel.length] === '/')) &&
        (!target || t.rel.length > target.rel.length)
      )
        target = t;
    }
    if (!target) return undefined;
    if (target.isFile) return rel;
    // Every path segment below the start is checked as a walk would, the folders once each.
    const startDepth = depthOf(target.rel);
    const slash = rel.lastIndexOf('/');
    if (this.hiddenDir(target, startDepth, slash === -1 ? '' : rel.slice(0, slash))) return undefined;
    if (depthOf(rel) > startDepth && this.guard.hiddenEntry(this.root, rel, false) !== undefined) return undefined;
    return rel;
  }

  /** Whether `dir` or a folder above it, below the target's start, is hidden. */
  private hiddenDir(target: GrepTarget, startDepth: number, dir: string): boolean {
    let known = this.hiddenDirs.get(target);
    if (!known) this.hiddenDirs.set(target, (known = new Map()));
    let hidden = known.get(dir);
    if (hidden !== undefined) return hidden;
    hidden = false;
    if (depthOf(dir) > startDepth) {
      const slash = dir.lastIndexOf('/');
      hidden =
        this.hiddenDir(target, startDepth, slash === -1 ? '' : dir.slice(0, slash)) ||
        this.guard.hiddenEntry(this.root, dir, true) !== undefined;
    }
    known.set(dir, hidden);
    return hidden;
  }
}

/** The local folder ripgrep runs in (the engine is chosen only for roots that have one). */
function localRoot(root: WorkspaceRoot): string {
  if (root.localPath === undefined) throw new RipgrepSpawnError(`${root.name} is not a local folder`);
  return root.localPath;
}

/** Path segments in a root-relative path ('' has none). */
function depthOf(rel: string): number {
  if (rel === '') return 0;
  let n = 1;
  for (let i = rel.indexOf('/'); i !== -1; i = rel.indexOf('/', i + 1)) n++;
  return n;
}
