// The WorkspaceHost over the real VS Code API: the only file in src/tools that imports
// `vscode`. Thin on purpose; the logic lives in the tools and is unit-tested there.
// - Edits: ONE WorkspaceEdit for all changes (minimal line replacements, createFile, deleteFile,
//   renameFile), applied with workspace.applyEdit (all or nothing, undoable), then the touched
//   documents are saved, except those that had unsaved changes before: the user's unsaved text
//   is never saved behind their back. The document keeps its encoding (a BOM) and line ends.
// - Tasks: tasks.json and package.json scripts are read directly (tasks-file.ts); the tasks of
//   extensions' providers come from vscode.tasks.fetchTasks() run in the background with a time
//   limit and cached (task-discovery.ts), because that call can block for minutes. To run one,
//   its command line is run as a child process this extension spawns (detached, killed as a
//   group) under the task's own shell (options.shell, else the terminal's automation or default
//   profile), or its program directly for a process task, and mirrored into the terminal panel
//   through a CustomExecution pseudoterminal task, while the bytes also stream to the tool. No
//   shell integration involved. A task that only exists as a CustomExecution of another
//   extension is started natively (its output is not captured).
// - ripgrep: the copy under vscode.env.appRoot (see ripgrep-locate.ts).
// - Files: every workspace folder, of any scheme. `file:` folders are read with node:fs
//   (NodeFs: the same files, without a round trip through the editor); any other scheme through
//   vscode.workspace.fs, so a virtual workspace (a FileSystemProvider's folder) works for
//   reading, searching and editing. Tasks and shell commands need a local folder.
import path from 'node:path';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { diffLines } from 'diff';
import { platformDefaultShell, runCommandTree, shellQuote } from './process-runner.ts';
import type { CommandSpec, ShellSpec } from './process-runner.ts';
import { NodeFs } from './node-fs.ts';
import { findEditorRipgrep } from './ripgrep-locate.ts';
import { LIMITS } from './settings.ts';
import { TaskDiscovery, waitAtMost } from './task-discovery.ts';
import { readWorkspaceTasks, substitute, taskInfo } from './tasks-file.ts';
import type { Diagnostic, FileChange, ProcessResult, TaskInfo, TaskList, WorkspaceHost } from './types.ts';
import { fileUri, localPathOf, normalizeUri, schemeOf } from './uri.ts';
import { FsError, readText } from './workspace-fs.ts';
import type { DirEntry, FileStat, FileType, WorkspaceFs } from './workspace-fs.ts';

const lf = (s: string): string => s.replace(/\r\n/g, '\n');

/** The editor's Uri for a tools' URI string. */
export function editorUri(uri: string): vscode.Uri {
  const local = localPathOf(uri);
  return local !== undefined ? vscode.Uri.file(local) : vscode.Uri.parse(uri, true);
}

/** The tools' URI string for an editor Uri. */
export function toolUri(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? fileUri(uri.fsPath) : normalizeUri(uri.toString(true));
}

function findDocument(uri: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find(
    (d) =>
      toolUri(d.uri) === uri ||
      (process.platform !== 'linux' && d.uri.scheme === 'file' && toolUri(d.uri).toLowerCase() === uri.toLowerCase()),
  );
}

function fsError(e: unknown, uri: string): FsError {
  const code = (e as { code?: string })?.code;
  const message = `${uri}: ${(e as Error)?.message ?? String(e)}`;
  if (code === 'FileNotFound' || code === 'EntryNotFound') return new FsError('not_found', message);
  if (code === 'FileIsADirectory' || code === 'EntryIsADirectory') return new FsError('is_directory', message);
  if (code === 'FileNotADirectory' || code === 'EntryNotADirectory') return new FsError('not_directory', message);
  if (code === 'FileExists' || code === 'EntryExists') return new FsError('exists', message);
  if (code === 'NoPermissions') return new FsError('no_permission', message);
  if (code === 'Unavailable') return new FsError('unavailable', message);
  return new FsError('other', message);
}

const typeOf = (t: vscode.FileType): FileType =>
  (t & vscode.FileType.Directory) !== 0 ? 'directory' : (t & vscode.FileType.File) !== 0 ? 'file' : 'other';

/** The port over vscode.workspace.fs for any scheme, with node:fs for `file:`. */
export class VscodeFs implements WorkspaceFs {
  private readonly local = new NodeFs();

  localPath(uri: string): string | undefined {
    return localPathOf(uri);
  }

  async stat(uri: string): Promise<FileStat | undefined> {
    if (schemeOf(uri) === 'file') return this.local.stat(uri);
    let st: vscode.FileStat;
    try {
      st = await vscode.workspace.fs.stat(editorUri(uri));
    } catch {
      return undefined;
    }
    const readonly =
      (st.permissions ?? 0) & vscode.FilePermission.Readonly ||
      vscode.workspace.fs.isWritableFileSystem(schemeOf(uri)) === false;
    return {
      type: typeOf(st.type),
      symlink: (st.type & vscode.FileType.SymbolicLink) !== 0,
      size: st.size,
      mtime: st.mtime,
      readonly: Boolean(readonly),
    };
  }

  async readFile(uri: string, options: { maxBytes?: number } = {}): Promise<Uint8Array> {
    if (schemeOf(uri) === 'file') return this.local.readFile(uri, options);
    let data: Uint8Array;
    try {
      data = await vscode.workspace.fs.readFile(editorUri(uri));
    } catch (e) {
      throw fsError(e, uri);
    }
    return options.maxBytes !== undefined && data.length > options.maxBytes ? data.subarray(0, options.maxBytes) : data;
  }

  async *readChunks(uri: string): AsyncIterable<Uint8Array> {
    if (schemeOf(uri) === 'file') {
      yield* this.local.readChunks(uri);
      return;
    }
    yield await this.readFile(uri); // a provider reads whole files only
  }

  async readDirectory(uri: string): Promise<DirEntry[]> {
    if (schemeOf(uri) === 'file') return this.local.readDirectory(uri);
    let entries: Array<[string, vscode.FileType]>;
    try {
      entries = await vscode.workspace.fs.readDirectory(editorUri(uri));
    } catch (e) {
      throw fsError(e, uri);
    }
    return entries.map(([name, type]) => {
      const symlink = (type & vscode.FileType.SymbolicLink) !== 0;
      return { name, type: symlink ? 'other' : typeOf(type), symlink };
    });
  }

  async writeFile(uri: string, data: Uint8Array): Promise<void> {
    if (schemeOf(uri) === 'file') return this.local.writeFile(uri, data);
    try {
      await vscode.workspace.fs.writeFile(editorUri(uri), data);
    } catch (e) {
      throw fsError(e, uri);
    }
  }

  async createDirectory(uri: string): Promise<void> {
    if (schemeOf(uri) === 'file') return this.local.createDirectory(uri);
    try {
      await vscode.workspace.fs.createDirectory(editorUri(uri));
    } catch (e) {
      throw fsError(e, uri);
    }
  }

  async delete(uri: string): Promise<void> {
    if (schemeOf(uri) === 'file') return this.local.delete(uri);
    try {
      await vscode.workspace.fs.delete(editorUri(uri), { recursive: true, useTrash: false });
    } catch (e) {
      throw fsError(e, uri);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    if (schemeOf(from) === 'file' && schemeOf(to) === 'file') return this.local.rename(from, to);
    try {
      await vscode.workspace.fs.rename(editorUri(from), editorUri(to), { overwrite: false });
    } catch (e) {
      throw fsError(e, from);
    }
  }

  /** Symbolic links are resolved for `file:` only; other schemes' providers resolve their own. */
  async realpath(uri: string): Promise<string> {
    return schemeOf(uri) === 'file' ? this.local.realpath(uri) : uri;
  }

  readIgnoreFileSync(uri: string): Uint8Array | undefined {
    return this.local.readIgnoreFileSync(uri);
  }
}

/** "npm: build" for detected tasks, the plain label for tasks.json ones (as the Run Task list shows). */
export function taskLabel(task: vscode.Task): string {
  return task.source === 'Workspace' ? task.name : `${task.source}: ${task.name}`;
}

function taskFolder(task: vscode.Task): string | undefined {
  const scope = task.scope;
  return typeof scope === 'object' && scope && 'uri' in scope
    ? scope.uri.fsPath
    : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

interface Execution {
  commandLine?: string;
  command?: string | { value: string };
  args?: Array<string | { value: string }>;
  process?: string;
  options?: { cwd?: string; env?: Record<string, string>; executable?: string; shellArgs?: string[] };
}

/** How to run a provider's task ourselves: its command line and shell, or its program; undefined for a CustomExecution. */
function executionOf(task: vscode.Task): (Omit<CommandSpec, 'cwd'> & { cwd?: string }) | undefined {
  const ex = task.execution as Execution | undefined;
  if (!ex) return undefined;
  const folder = taskFolder(task) ?? '';
  const text = (a: string | { value: string }) => substitute(typeof a === 'string' ? a : a.value, folder);
  const o = ex.options;
  const common = {
    ...(o?.cwd ? { cwd: path.resolve(folder, substitute(o.cwd, folder)) } : {}),
    ...(o?.env ? { env: o.env } : {}),
  };
  if (typeof ex.process === 'string') {
    const file = text(ex.process);
    const args = (ex.args ?? []).map(text);
    return { command: [file, ...args].map((a) => shellQuote(a)).join(' '), process: { file, args }, ...common };
  }
  const shell: ShellSpec | undefined =
    o?.executable || o?.shellArgs
      ? { ...(o.executable ? { executable: o.executable } : {}), ...(o.shellArgs ? { args: o.shellArgs } : {}) }
      : undefined;
  if (typeof ex.commandLine === 'string' && ex.commandLine)
    return { command: substitute(ex.commandLine, folder), shell, ...common };
  if (ex.command !== undefined)
    return {
      command: [text(ex.command), ...(ex.args ?? []).map((a) => shellQuote(text(a)))].join(' '),
      shell,
      ...common,
    };
  return undefined;
}

/** The task type a label's source suggests ("npm: build" -> "npm"): providers of that type alone are asked. */
function typeFromLabel(name: string): string | undefined {
  const m = /^([\w.-]+): /.exec(name);
  return m ? m[1]!.toLowerCase() : undefined;
}

type ProfileSetting = { path?: string | string[]; args?: string[] } | null | undefined;

/** The shell VS Code runs tasks with: the automation profile, else the default terminal profile, else $SHELL / %ComSpec%. */
function terminalShell(): ShellSpec {
  const os = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';
  const term = vscode.workspace.getConfiguration('terminal.integrated');
  const automation = term.get<ProfileSetting>(`automationProfile.${os}`);
  const name = term.get<string | null>(`defaultProfile.${os}`);
  const profile = automation?.path
    ? automation
    : name
      ? term.get<Record<string, ProfileSetting>>(`profiles.${os}`)?.[name]
      : undefined;
  const where = Array.isArray(profile?.path)
    ? (profile.path.find((p) => fs.existsSync(p)) ?? profile.path[0])
    : profile?.path;
  return where ? { executable: where, ...(profile?.args ? { args: profile.args } : {}) } : platformDefaultShell();
}

export class VscodeHost implements WorkspaceHost {
  readonly fs = new VscodeFs();
  private rg: { path: string | undefined } | undefined;
  /** Extensions' tasks, fetched in the background and cached. */
  private readonly discovery = new TaskDiscovery<vscode.Task>((type) =>
    vscode.tasks.fetchTasks(type ? { type } : undefined),
  );

  roots(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).map((f) => toolUri(f.uri));
  }

  /** The local workspace folders (tasks live there). */
  private localRoots(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  openDocumentText(uri: string): string | undefined {
    const doc = findDocument(uri);
    return doc?.isDirty ? doc.getText() : undefined;
  }

  async applyChanges(changes: FileChange[]): Promise<boolean> {
    const edit = new vscode.WorkspaceEdit();
    const toSave: vscode.Uri[] = [];
    // The editors' own texts carry no BOM (VS Code keeps the encoding apart, and saves it back).
    const noBom = (t: string) => (t.charCodeAt(0) === 0xfeff ? t.slice(1) : t);
    for (const c of changes) {
      const uri = editorUri(c.uri);
      if (c.kind === 'add') {
        edit.createFile(uri, { overwrite: false, contents: new TextEncoder().encode(c.newText) });
      } else if (c.kind === 'delete') {
        const current = findDocument(c.uri)?.getText() ?? (await readText(this.fs, c.uri));
        if (current === undefined || lf(noBom(current)) !== lf(c.oldText)) return false;
        edit.deleteFile(uri, { recursive: false, ignoreIfNotExists: false });
      } else {
        const unsaved = findDocument(c.uri)?.isDirty === true;
        const doc = await vscode.workspace.openTextDocument(uri);
        const current = doc.getText();
        if (lf(noBom(current)) !== lf(c.oldText)) return false; // changed since the edit was computed
        const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
        replaceMinimal(edit, uri, doc, current, lf(c.newText).replace(/\n/g, eol));
        if (c.moveTo) edit.renameFile(uri, editorUri(c.moveTo), { overwrite: false });
        // A document the user had not saved stays unsaved: saving it would save their text too.
        if (!unsaved) toSave.push(editorUri(c.moveTo ?? c.uri));
      }
    }
    if (!(await vscode.workspace.applyEdit(edit))) return false;
    for (const uri of toSave) {
      const doc =
        vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ??
        (await vscode.workspace.openTextDocument(uri));
      if (doc.isDirty) await doc.save();
    }
    return true;
  }

  async listTasks(signal: AbortSignal, options: { waitMs?: number } = {}): Promise<TaskList> {
    // tasks.json and package.json first: read at once, never waiting on the providers.
    const tasks: TaskInfo[] = (await readWorkspaceTasks(this.fs, this.localRoots())).map(taskInfo);
    const seen = new Set(tasks.map((t) => t.name));
    const found = await this.discovery.list(options.waitMs ?? LIMITS.taskListWaitMs, signal);
    for (const task of found.tasks) {
      if (task.source === 'Workspace') continue; // tasks.json, read above
      const name = taskLabel(task);
      if (seen.has(name)) continue;
      seen.add(name);
      const detail = task.detail ?? executionOf(task)?.command;
      tasks.push({ name, source: task.source, ...(detail ? { detail } : {}) });
    }
    const notes: string[] = [];
    const seconds = Math.round((found.runningMs ?? 0) / 1000);
    if (found.state === 'detecting')
      notes.push(
        `(Tasks contributed by extensions are still being detected, ${seconds} s so far; they are listed once ready.)`,
      );
    else if (found.state === 'failed') notes.push(`(Detecting tasks of extensions failed: ${found.error}.)`);
    return { tasks, ...(notes.length ? { notes } : {}), ...(found.state !== 'ready' ? { incomplete: true } : {}) };
  }

  async resolveTask(name: string, signal: AbortSignal): Promise<TaskInfo | undefined> {
    const task = await this.providerTask(name, signal);
    if (!task) return undefined;
    const detail = task.detail ?? executionOf(task)?.command;
    return { name: taskLabel(task), source: task.source, ...(detail ? { detail } : {}) };
  }

  /** A provider's task by label: from the cache, else from its type's providers alone, time-limited. */
  private async providerTask(name: string, signal: AbortSignal): Promise<vscode.Task | undefined> {
    const match = (list: readonly vscode.Task[] | undefined) => list?.find((t) => taskLabel(t) === name);
    const cached = match(this.discovery.snapshot().tasks);
    if (cached) return cached;
    // Providers' tasks are labelled "<source>: <name>"; a name without that form is none of theirs.
    const type = typeFromLabel(name);
    return type ? match(await this.discovery.ofType(type, LIMITS.taskFetchMs, signal)) : undefined;
  }

  async runProcess(
    spec: { task?: string; command?: string; cwd: string },
    onOutput: (chunk: string) => void,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<ProcessResult> {
    const defaultShell = terminalShell();
    let run: CommandSpec;
    let title = `Warmline: ${spec.command ?? ''}`;
    let folder: vscode.WorkspaceFolder | undefined;
    if (spec.task !== undefined) {
      title = `Warmline: ${spec.task}`;
      const own = (await readWorkspaceTasks(this.fs, this.localRoots())).find((t) => t.name === spec.task);
      if (own) {
        if (own.command === undefined) return { exitCode: 0, signal: null, timedOut: false, cancelled: false }; // only runs other tasks
        run = {
          command: own.command,
          process: own.process,
          shell: own.shell,
          cwd: own.cwd,
          env: own.env,
          defaultShell,
        };
        folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(own.cwd));
      } else {
        const task = await this.providerTask(spec.task, signal);
        if (!task)
          throw new Error(
            `no task named ${spec.task} (its provider did not answer within ${LIMITS.taskFetchMs / 1000} s)`,
          );
        const ex = executionOf(task);
        if (!ex) return runNativeTask(task, onOutput, signal, timeoutMs);
        run = { ...ex, cwd: ex.cwd ?? taskFolder(task) ?? spec.cwd, defaultShell };
        folder = typeof task.scope === 'object' ? task.scope : undefined;
      }
    } else {
      if (spec.command === undefined) throw new Error('runProcess needs a task or a command');
      run = { command: spec.command, cwd: spec.cwd, defaultShell };
    }

    const stop = new AbortController();
    const forward = () => stop.abort();
    signal.addEventListener('abort', forward, { once: true });
    if (signal.aborted) stop.abort();
    const mirror = new TerminalMirror(title, folder, () => stop.abort());
    mirror.write(`$ ${run.command}\n`);
    try {
      const result = await runCommandTree(
        run,
        (chunk) => {
          onOutput(chunk);
          mirror.write(chunk);
        },
        stop.signal,
        timeoutMs,
      );
      mirror.finish(
        result.timedOut
          ? 'timed out; the process tree was stopped'
          : result.cancelled
            ? 'cancelled; the process tree was stopped'
            : `exit code ${result.exitCode ?? result.signal}`,
        result.exitCode ?? 1,
      );
      return {
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        cancelled: result.cancelled,
      };
    } finally {
      signal.removeEventListener('abort', forward);
    }
  }

  diagnostics(uri?: string): Diagnostic[] {
    if (uri !== undefined) return vscode.languages.getDiagnostics(editorUri(uri)).map((d) => toDiagnostic(uri, d));
    return vscode.languages.getDiagnostics().flatMap(([u, list]) => list.map((d) => toDiagnostic(toolUri(u), d)));
  }

  /** Resolves once the language servers have published for these files and gone quiet (300 ms), or at the timeout. */
  waitForDiagnostics(uris: string[], timeoutMs: number): Promise<void> {
    const wanted = new Set(uris.map((u) => editorUri(u).toString()));
    return new Promise<void>((resolve) => {
      let settle: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(cap);
        clearTimeout(settle);
        sub.dispose();
        resolve();
      };
      const sub = vscode.languages.onDidChangeDiagnostics((e) => {
        if (!e.uris.some((u) => wanted.has(u.toString()))) return;
        clearTimeout(settle);
        settle = setTimeout(done, 300);
      });
      const cap = setTimeout(done, timeoutMs);
    });
  }

  ripgrepPath(): string | undefined {
    this.rg ??= { path: findEditorRipgrep(vscode.env.appRoot) };
    return this.rg.path;
  }
}

/** Adds the line-level replacements that turn `oldText` into `newText` (keeps cursors and folds elsewhere). */
function replaceMinimal(
  edit: vscode.WorkspaceEdit,
  uri: vscode.Uri,
  doc: vscode.TextDocument,
  oldText: string,
  newText: string,
): void {
  let offset = 0;
  let start = -1;
  let removed = 0;
  let inserted = '';
  const flush = () => {
    if (start < 0) return;
    edit.replace(uri, new vscode.Range(doc.positionAt(start), doc.positionAt(start + removed)), inserted);
    start = -1;
    removed = 0;
    inserted = '';
  };
  for (const part of diffLines(oldText, newText)) {
    if (part.added) {
      if (start < 0) start = offset;
      inserted += part.value;
    } else if (part.removed) {
      if (start < 0) start = offset;
      removed += part.value.length;
      offset += part.value.length;
    } else {
      flush();
      offset += part.value.length;
    }
  }
  flush();
}

function toDiagnostic(file: string, d: vscode.Diagnostic): Diagnostic {
  const severity =
    d.severity === vscode.DiagnosticSeverity.Error
      ? 'error'
      : d.severity === vscode.DiagnosticSeverity.Warning
        ? 'warning'
        : d.severity === vscode.DiagnosticSeverity.Information
          ? 'info'
          : 'hint';
  const code = typeof d.code === 'object' && d.code ? String(d.code.value) : d.code !== undefined ? String(d.code) : '';
  const source = [d.source, code].filter(Boolean).join(' ');
  return {
    path: file,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    severity,
    message: d.message,
    ...(source ? { source } : {}),
  };
}

/** A task of another extension with no command line: started natively, waited for, not captured. */
async function runNativeTask(
  task: vscode.Task,
  onOutput: (chunk: string) => void,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ProcessResult> {
  onOutput(
    `Task '${taskLabel(task)}' runs inside VS Code; its output is in the terminal panel and is not captured here.\n`,
  );
  const started = await waitAtMost(vscode.tasks.executeTask(task), timeoutMs, signal);
  if (!started) return { exitCode: null, signal: null, timedOut: true, cancelled: false };
  const execution = started.value;
  return new Promise<ProcessResult>((resolve) => {
    let timedOut = false;
    let cancelled = false;
    const finish = (exitCode: number | null) => {
      clearTimeout(timer);
      sub.dispose();
      subEnd.dispose();
      signal.removeEventListener('abort', onAbort);
      resolve({ exitCode, signal: null, timedOut, cancelled });
    };
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution === execution) finish(e.exitCode ?? null);
    });
    const subEnd = vscode.tasks.onDidEndTask((e) => {
      if (e.execution === execution) finish(null);
    });
    const onAbort = () => {
      cancelled = true;
      execution.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      execution.terminate();
    }, timeoutMs);
  });
}

/**
 * Shows a process's output in the terminal panel: a CustomExecution task whose pseudoterminal
 * echoes the bytes. Closing that terminal stops the process.
 */
class TerminalMirror {
  private readonly writer = new vscode.EventEmitter<string>();
  // biome-ignore lint/suspicious/noConfusingVoidType: the type of vscode.Pseudoterminal's onDidClose, Event<void | number>.
  private readonly closer = new vscode.EventEmitter<number | void>();
  private opened = false;
  private finished = false;
  private pending: string[] = [];
  private pendingBytes = 0;
  private closeCode: number | undefined;

  constructor(title: string, folder: vscode.WorkspaceFolder | undefined, onUserClose: () => void) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writer.event,
      onDidClose: this.closer.event,
      open: () => {
        this.opened = true;
        for (const s of this.pending) this.writer.fire(s);
        this.pending = [];
        if (this.closeCode !== undefined) this.close(this.closeCode);
      },
      close: () => {
        if (!this.finished) onUserClose();
      },
    };
    const task = new vscode.Task(
      { type: 'warmline' },
      folder ?? vscode.TaskScope.Workspace,
      title,
      'Warmline',
      new vscode.CustomExecution(async () => pty),
    );
    task.presentationOptions = {
      reveal: vscode.TaskRevealKind.Silent,
      panel: vscode.TaskPanelKind.Dedicated,
      clear: true,
      echo: false,
    };
    vscode.tasks.executeTask(task).then(undefined, () => {
      // No task support (or the type is refused): a plain extension terminal shows the same bytes.
      vscode.window.createTerminal({ name: title, pty });
    });
  }

  write(chunk: string): void {
    const text = chunk.replace(/\r?\n/g, '\r\n');
    if (this.opened) {
      this.writer.fire(text);
      return;
    }
    if (this.pendingBytes > 1_000_000) return; // the tool still gets everything; the terminal shows the start
    this.pending.push(text);
    this.pendingBytes += text.length;
  }

  finish(status: string, exitCode: number): void {
    this.finished = true;
    this.write(`\n[${status}]\n`);
    // The terminal may not have opened yet: then it closes right after showing the output.
    if (this.opened) this.close(exitCode);
    else this.closeCode = exitCode;
  }

  private close(exitCode: number): void {
    this.closer.fire(exitCode);
    setTimeout(() => {
      this.writer.dispose();
      this.closer.dispose();
    }, 1000);
  }
}
