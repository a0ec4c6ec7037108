// Runs a command as a process tree the caller owns: its own process group (detached), output
// streamed as it comes, and on timeout or abort the whole group is killed (SIGTERM, then
// SIGKILL; taskkill /T on Windows). A command line runs under the shell it is given, invoked
// the way VS Code invokes a task's shell (sh/bash/zsh -c, cmd /d /c, PowerShell -Command); a
// "process" task runs its program directly. Used by the Node host and by the VS Code host, which
// mirrors the bytes into a terminal. Nothing depends on shell integration.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ProcessResult } from './types.ts';

/** A shell as tasks.json's options.shell names it. */
export interface ShellSpec {
  executable?: string;
  args?: string[];
}

export interface CommandSpec {
  /** A command line for the shell (ignored when `process` is given). */
  command: string;
  cwd: string;
  env?: Record<string, string | undefined>;
  /** The task's own shell (options.shell); missing parts come from `defaultShell`. */
  shell?: ShellSpec;
  /** The host's default shell (VS Code: the automation/default terminal profile). Default: $SHELL or /bin/sh; %ComSpec% or cmd.exe on Windows. */
  defaultShell?: ShellSpec;
  /** Run this program with these arguments, without a shell (a "process" task). */
  process?: { file: string; args: string[] };
}

export function platformDefaultShell(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): ShellSpec {
  if (platform === 'win32') return { executable: env.ComSpec || 'cmd.exe' };
  return { executable: env.SHELL || '/bin/sh' };
}

/**
 * How VS Code starts a shell task: the shell's own arguments, then the ones that make it run a
 * command (-c; /d /c for cmd; -Command for PowerShell) unless the task named its shell
 * executable itself (then only the arguments it gave), then the command line. On Windows, cmd
 * gets the whole line verbatim.
 */
export function shellInvocation(
  command: string,
  shell: ShellSpec | undefined,
  defaultShell: ShellSpec = platformDefaultShell(),
  platform: NodeJS.Platform = process.platform,
): { file: string; args: string[]; verbatim: boolean } {
  const named = !!shell?.executable;
  const file = shell?.executable || defaultShell.executable || (platform === 'win32' ? 'cmd.exe' : '/bin/sh');
  // A different executable does not inherit the default shell's arguments.
  const own = shell?.args ?? (named && shell?.executable !== defaultShell.executable ? [] : (defaultShell.args ?? []));
  const base = (platform === 'win32' ? path.win32 : path.posix).basename(file).toLowerCase();
  let run: string[];
  let verbatim = false;
  if (platform === 'win32') {
    if (base === 'powershell.exe' || base === 'pwsh.exe' || base === 'powershell' || base === 'pwsh')
      run = ['-Command'];
    else if (base === 'bash.exe' || base === 'zsh.exe' || base === 'nu.exe') run = ['-c'];
    else if (base === 'wsl.exe') run = ['-e'];
    else {
      run = ['/d', '/c'];
      verbatim = base === 'cmd.exe' || base === 'cmd';
    }
  } else {
    run = ['-c'];
  }
  const args = [...own];
  if (!named) for (const a of run) if (!own.some((o) => o.toLowerCase() === a)) args.push(a);
  args.push(command);
  return { file, args, verbatim };
}

export interface RunningResult extends ProcessResult {
  pid?: number;
}

const KILL_GRACE_MS = 2000;
/** After the main process exits, how long to wait for its output pipes to close. */
const CLOSE_GRACE_MS = 1000;

export function runCommandTree(
  spec: CommandSpec,
  onOutput: (chunk: string) => void,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<RunningResult> {
  return new Promise<RunningResult>((resolve) => {
    const isWindows = process.platform === 'win32';
    const env = { ...process.env, ...spec.env };
    const run: { file: string; args: string[]; verbatim?: boolean } =
      spec.process ?? shellInvocation(spec.command, spec.shell, spec.defaultShell ?? platformDefaultShell());
    const verbatim = run.verbatim === true;
    // Own process group on POSIX, so the whole tree can be killed; cmd takes its line verbatim.
    const child = spawn(run.file, run.args, {
      cwd: spec.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      detached: !isWindows,
      windowsVerbatimArguments: verbatim,
    });
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
        spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' }).on(
          'error',
          () => {},
        );
        return;
      }
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      killTimer ??= setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, KILL_GRACE_MS);
      killTimer.unref?.();
    };

    const decoders = { out: new TextDecoder('utf-8'), err: new TextDecoder('utf-8') };
    child.stdout?.on('data', (b: Buffer) => {
      const s = decoders.out.decode(b, { stream: true });
      if (s) onOutput(s);
    });
    child.stderr?.on('data', (b: Buffer) => {
      const s = decoders.err.decode(b, { stream: true });
      if (s) onOutput(s);
    });

    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killTree();
    };
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
      if (!isWindows && pid !== undefined) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
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
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, CLOSE_GRACE_MS);
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
