// Runs a shell command as a process tree the caller owns: its own process group (detached),
// output streamed as it comes, and on timeout or abort the whole group is killed (SIGTERM,
// then SIGKILL). Used by the Node host and by the VS Code host, which mirrors the bytes into a
// terminal. Nothing depends on shell integration.
import { spawn } from 'node:child_process';
import type { ProcessResult } from './types.ts';

export interface CommandSpec {
  command: string;
  cwd: string;
  env?: Record<string, string | undefined>;
  /** POSIX shell to run the command with (default bash, else sh). */
  shell?: string;
}

export interface RunningResult extends ProcessResult {
  pid?: number;
}

const KILL_GRACE_MS = 2000;
/** After the main process exits, how long to wait for its output pipes to close. */
const CLOSE_GRACE_MS = 1000;

export function runCommandTree(spec: CommandSpec, onOutput: (chunk: string) => void, signal: AbortSignal, timeoutMs: number): Promise<RunningResult> {
  return new Promise<RunningResult>((resolve) => {
    const isWindows = process.platform === 'win32';
    const env = { ...process.env, ...spec.env };
    const child = isWindows
      ? spawn(spec.command, { cwd: spec.cwd, env, shell: true, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(spec.shell ?? 'bash', ['-c', spec.command], { cwd: spec.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    let timedOut = false;
    let cancelled = false;
    let done = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const killTree = () => {
      if (pid === undefined) return;
      if (isWindows) {
        spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' }).on('error', () => {});
        return;
      }
      try { process.kill(-pid, 'SIGTERM') } catch { /* already gone */ }
      killTimer ??= setTimeout(() => { try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } }, KILL_GRACE_MS);
      killTimer.unref?.();
    };

    const decoders = { out: new TextDecoder('utf-8'), err: new TextDecoder('utf-8') };
    child.stdout?.on('data', (b: Buffer) => { const s = decoders.out.decode(b, { stream: true }); if (s) onOutput(s) });
    child.stderr?.on('data', (b: Buffer) => { const s = decoders.err.decode(b, { stream: true }); if (s) onOutput(s) });

    const timer = setTimeout(() => { timedOut = true; killTree() }, timeoutMs);
    const onAbort = () => { cancelled = true; killTree() };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      signal.removeEventListener('abort', onAbort);
      const tail = decoders.out.decode() + decoders.err.decode();
      if (tail) onOutput(tail);
      // Leave nothing behind: background children of the command die with it.
      if (!isWindows && pid !== undefined) { try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } }
      if (killTimer) clearTimeout(killTimer);
      resolve({ exitCode: exit?.code ?? null, signal: exit?.signal ?? null, timedOut, cancelled, pid });
    };

    child.on('error', (err) => {
      onOutput(`Could not start the command: ${err.message}\n`);
      exit ??= { code: null, signal: null };
      finish();
    });
    child.on('exit', (code, sig) => {
      exit = { code, signal: sig };
      // Output pipes may be held open by a background child; do not wait for them forever.
      graceTimer = setTimeout(() => { child.stdout?.destroy(); child.stderr?.destroy(); finish() }, CLOSE_GRACE_MS);
    });
    child.on('close', (code, sig) => {
      exit ??= { code, signal: sig };
      finish();
    });
  });
}

/** Quotes one argument for a POSIX shell (or cmd.exe on Windows), when it needs quoting. */
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (process.platform === 'win32') return `"${arg.replace(/"/g, '""')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
