// A WorkspaceHost over plain folders, for unit tests, the terminal demo and the benchmarks.
// applyChanges is all-or-nothing: new contents go to temp files first, then renames; any
// failure restores every touched path to its previous bytes. A file's BOM and mode are kept,
// a read-only file is never replaced, and a file "open with unsaved changes" (set by the
// caller) gets the edit in its buffer, not on disk, as in the editor. Processes run in their
// own process group and die as a group. Diagnostics and open documents are set by the caller.
import fs from 'node:fs';
import path from 'node:path';
import { stripBom, withBom } from './files.ts';
import { NodeFs } from './node-fs.ts';
import { SimulatedEditor } from './simulated-editor.ts';
import { platformDefaultShell, runCommandTree } from './process-runner.ts';
import type { CommandSpec, ShellSpec } from './process-runner.ts';
import { readWorkspaceTasks, taskInfo } from './tasks-file.ts';
import type { FileChange, ProcessResult, TaskList, WorkspaceHost } from './types.ts';
import { fileUri, localPathOf } from './uri.ts';

export interface NodeHostOptions {
  roots: string[];
  /** Default true. */
  trusted?: boolean;
  /** What ripgrepPath() returns (the "editor's" ripgrep). */
  ripgrepPath?: string;
  /** The default shell for commands and tasks without options.shell (default $SHELL or /bin/sh; cmd.exe on Windows). */
  shell?: string | ShellSpec;
  /**
   * Called before each commit step of applyChanges (tests use it to make one step fail and
   * check the rollback). Throwing aborts the edit.
   */
  beforeCommitStep?: (step: number, target: string) => void;
}

export class NodeHost extends SimulatedEditor implements WorkspaceHost {
  readonly fs = new NodeFs();
  private readonly rootPaths: string[];
  private trusted: boolean;
  private readonly rg: string | undefined;
  private readonly shell: ShellSpec;
  private readonly beforeCommitStep: NodeHostOptions['beforeCommitStep'];
  /** Every process started, for tests that check nothing is left running. */
  readonly startedPids: number[] = [];

  constructor(options: NodeHostOptions) {
    super();
    this.rootPaths = options.roots.map((r) => path.resolve(r));
    this.trusted = options.trusted ?? true;
    this.rg = options.ripgrepPath;
    this.shell =
      typeof options.shell === 'string' ? { executable: options.shell } : (options.shell ?? platformDefaultShell());
    this.beforeCommitStep = options.beforeCommitStep;
  }

  roots(): string[] {
    return this.rootPaths.map(fileUri);
  }
  isTrusted(): boolean {
    return this.trusted;
  }
  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
  }
  ripgrepPath(): string | undefined {
    return this.rg;
  }

  async listTasks(): Promise<TaskList> {
    return { tasks: (await readWorkspaceTasks(this.fs, this.rootPaths)).map(taskInfo) };
  }

  async runProcess(
    spec: { task?: string; command?: string; cwd: string },
    onOutput: (chunk: string) => void,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<ProcessResult> {
    let run: CommandSpec;
    if (spec.task !== undefined) {
      const task = (await readWorkspaceTasks(this.fs, this.rootPaths)).find((t) => t.name === spec.task);
      if (!task) throw new Error(`no task named ${spec.task}`);
      if (!task.command) return { exitCode: 0, signal: null, timedOut: false, cancelled: false }; // only runs other tasks
      run = {
        command: task.command,
        process: task.process,
        shell: task.shell,
        cwd: task.cwd,
        env: task.env,
        defaultShell: this.shell,
      };
    } else {
      if (spec.command === undefined) throw new Error('runProcess needs a task or a command');
      run = { command: spec.command, cwd: spec.cwd, defaultShell: this.shell };
    }
    const result = await runCommandTree(run, onOutput, signal, timeoutMs);
    if (result.pid !== undefined) this.startedPids.push(result.pid);
    return { exitCode: result.exitCode, signal: result.signal, timedOut: result.timedOut, cancelled: result.cancelled };
  }

  async applyChanges(uriChanges: FileChange[]): Promise<boolean> {
    // This host's own file system: local paths from here on.
    const local = (uri: string) => localPathOf(uri) ?? uri;
    const changes = uriChanges.map((c) => ({
      ...c,
      path: local(c.uri),
      ...(c.kind === 'update' && c.moveTo ? { moveTo: local(c.moveTo) } : {}),
    }));
    // What each touched path held before (undefined: did not exist), to restore on failure.
    const backups = new Map<string, Buffer | undefined>();
    const remember = async (p: string) => {
      if (backups.has(p)) return;
      try {
        backups.set(p, await fs.promises.readFile(p));
      } catch {
        backups.set(p, undefined);
      }
    };
    for (const c of changes) {
      await remember(c.path);
      if (c.kind === 'update' && c.moveTo) await remember(c.moveTo);
    }
    // Preconditions: the files are as the changes expect, and writable.
    const inBuffer: Array<{ path: string; newText: string }> = [];
    for (const c of changes) {
      const before = backups.get(c.path);
      const open = this.openDocumentText(c.uri);
      if (c.kind === 'add' && (before !== undefined || open !== undefined)) return false;
      if (c.kind === 'update' && !c.moveTo && open !== undefined) {
        // Unsaved changes in the "editor": the edit goes into the buffer, nothing is saved.
        if (stripBom(open).text !== c.oldText) return false;
        inBuffer.push({ path: c.uri, newText: c.newText });
        continue;
      }
      if (
        c.kind !== 'add' &&
        (open !== undefined || before === undefined || stripBom(before.toString('utf8')).text !== c.oldText)
      )
        return false;
      if (c.kind !== 'add' && ((await fs.promises.stat(c.path)).mode & 0o222) === 0) return false; // read-only: never replaced
      if (c.kind === 'update' && c.moveTo && c.moveTo !== c.path && backups.get(c.moveTo) !== undefined) return false;
    }
    const onDisk = changes.filter((c) => !inBuffer.some((b) => b.path === c.uri));

    const temps: string[] = [];
    const createdDirs: string[] = [];
    const steps: Array<{ target: string; run: () => Promise<void> }> = [];
    try {
      // Phase 1: write every new content beside its target.
      for (const c of onDisk) {
        if (c.kind === 'delete') {
          steps.push({ target: c.path, run: () => fs.promises.unlink(c.path) });
          continue;
        }
        const target = c.kind === 'update' && c.moveTo ? c.moveTo : c.path;
        await mkdirTracked(path.dirname(target), createdDirs);
        const temp = path.join(
          path.dirname(target),
          `.${path.basename(target)}.warmline-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`,
        );
        await fs.promises.writeFile(temp, withBom(c.newText, c.kind === 'update' && c.bom), 'utf8');
        if (c.kind === 'update') {
          try {
            await fs.promises.chmod(temp, (await fs.promises.stat(c.path)).mode);
          } catch {
            /* keep default mode */
          }
        }
        temps.push(temp);
        steps.push({ target, run: () => fs.promises.rename(temp, target) });
        if (c.kind === 'update' && c.moveTo && c.moveTo !== c.path)
          steps.push({ target: c.path, run: () => fs.promises.unlink(c.path) });
      }
      // Phase 2: renames and deletions.
      for (const [i, step] of steps.entries()) {
        this.beforeCommitStep?.(i, step.target);
        await step.run();
      }
      for (const b of inBuffer) this.setOpenDocument(b.path, b.newText);
      return true;
    } catch {
      await this.restore(backups, temps, createdDirs);
      return false;
    }
  }

  private async restore(
    backups: Map<string, Buffer | undefined>,
    temps: string[],
    createdDirs: string[],
  ): Promise<void> {
    for (const t of temps) await fs.promises.rm(t, { force: true });
    for (const [p, content] of backups) {
      try {
        if (content === undefined) await fs.promises.rm(p, { force: true });
        else {
          await fs.promises.mkdir(path.dirname(p), { recursive: true });
          await fs.promises.writeFile(p, content);
        }
      } catch {
        /* best effort: report failure through the return value */
      }
    }
    for (const d of createdDirs.reverse()) await fs.promises.rmdir(d).catch(() => {});
  }
}

/** mkdir -p that records the folders it created (for rollback). */
async function mkdirTracked(dir: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      await fs.promises.stat(d);
      break;
    } catch {
      missing.push(d);
      if (path.dirname(d) === d) break;
    }
  }
  for (const d of missing.reverse()) {
    await fs.promises.mkdir(d);
    created.push(d);
  }
}
