// Workspace tasks read straight from the files, without asking VS Code (whose task discovery
// can take minutes): `.vscode/tasks.json` (JSON with comments) and the scripts of package.json
// (as "npm: <script>", the name VS Code's npm detection gives them). Each task becomes what the
// process runner needs: a command line and the shell to run it with (the task's options.shell,
// else the tasks.json-wide one, else the host's default), or for a "process" task a program
// and its arguments (no shell); its folder and environment; the tasks it depends on.
import path from 'node:path';
import { shellQuote } from './process-runner.ts';
import type { ShellSpec } from './process-runner.ts';
import type { TaskInfo } from './types.ts';
import { fileUri } from './uri.ts';
import { readText } from './workspace-fs.ts';
import type { WorkspaceFs } from './workspace-fs.ts';

export interface ResolvedTask extends TaskInfo {
  /** The shell command line to run; undefined for tasks that only depend on others. */
  command?: string;
  /** A "process" task: the program and its arguments, run without a shell. */
  process?: { file: string; args: string[] };
  /** options.shell of the task (or of the whole tasks.json); undefined: the host's default shell. */
  shell?: ShellSpec;
  cwd: string;
  env?: Record<string, string>;
}

/** Strips // and /* *\/ comments and trailing commas from JSONC, leaving strings alone. */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

type TaskArg = string | { value: string | string[]; quoting?: string };
interface TaskOptions {
  cwd?: string;
  env?: Record<string, string>;
  shell?: { executable?: string; args?: string[] };
}
interface TasksFile {
  tasks?: TaskJson[];
  options?: TaskOptions;
  linux?: { options?: TaskOptions };
  osx?: { options?: TaskOptions };
  windows?: { options?: TaskOptions };
}
interface TaskJson {
  label?: string;
  taskName?: string;
  type?: string;
  command?: string | { value: string };
  args?: TaskArg[];
  script?: string;
  path?: string;
  detail?: string;
  options?: TaskOptions;
  dependsOn?: unknown;
  dependsOrder?: string;
  linux?: TaskJson;
  osx?: TaskJson;
  windows?: TaskJson;
}

/** Resolves the task variables a command line or cwd may use (${workspaceFolder}, ${env:X}, ...). */
export function substitute(value: string, folder: string): string {
  return value
    .replace(/\$\{workspaceFolder\}|\$\{workspaceRoot\}/g, folder)
    .replace(/\$\{workspaceFolderBasename\}/g, path.basename(folder))
    .replace(/\$\{cwd\}/g, folder)
    .replace(/\$\{env:([^}]+)\}/g, (_, name: string) => process.env[name] ?? '')
    .replace(/\$\{pathSeparator\}/g, path.sep);
}

const argText = (a: TaskArg): string =>
  typeof a === 'string' ? a : Array.isArray(a.value) ? a.value.join(' ') : a.value;

const platformKey = (): 'windows' | 'osx' | 'linux' =>
  process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';

/** Options merged as VS Code does: the file's, its platform's, the task's, the task's platform's. */
function mergeOptions(...all: Array<TaskOptions | undefined>): TaskOptions {
  const out: TaskOptions = {};
  for (const o of all) {
    if (!o) continue;
    if (o.cwd !== undefined) out.cwd = o.cwd;
    if (o.env) out.env = { ...out.env, ...o.env };
    if (o.shell) out.shell = { ...out.shell, ...o.shell };
  }
  return out;
}

function platformOverride(t: TaskJson): TaskJson {
  const o = t[platformKey()];
  return o ? { ...t, ...o, options: mergeOptions(t.options, o.options) } : t;
}

/** The names a dependsOn refers to: labels, or `{ "type": "npm", "script": "x" }` as "npm: x". */
function dependencyNames(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const out: string[] = [];
  for (const d of list) {
    if (typeof d === 'string') out.push(d);
    else if (d && typeof d === 'object') {
      const o = d as Record<string, unknown>;
      const id = o.label ?? o.task ?? o.script;
      if (typeof id === 'string')
        out.push(typeof o.type === 'string' && o.label === undefined ? `${o.type}: ${id}` : id);
    }
  }
  return out;
}

/** The tasks of one (local) workspace folder's .vscode/tasks.json. */
export async function readTasksJson(fs: WorkspaceFs, folder: string): Promise<ResolvedTask[]> {
  const text = await readText(fs, fileUri(path.join(folder, '.vscode', 'tasks.json')));
  return text === undefined ? [] : tasksFromJson(text, folder);
}

/** The tasks a tasks.json text defines, for a folder. */
export function tasksFromJson(text: string, folder: string): ResolvedTask[] {
  let parsed: TasksFile;
  try {
    parsed = JSON.parse(stripJsonComments(text)) as TasksFile;
  } catch {
    return [];
  }
  const fileOptions = mergeOptions(parsed.options, parsed[platformKey()]?.options);
  const out: ResolvedTask[] = [];
  for (const raw of parsed.tasks ?? []) {
    const t = platformOverride(raw);
    const options = mergeOptions(fileOptions, t.options);
    const cwd = options.cwd ? path.resolve(folder, substitute(options.cwd, folder)) : folder;
    const env = options.env
      ? Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, substitute(String(v), folder)]))
      : undefined;
    const shell =
      options.shell?.executable || options.shell?.args
        ? {
            ...(options.shell.executable ? { executable: substitute(options.shell.executable, folder) } : {}),
            ...(options.shell.args ? { args: options.shell.args.map((a) => substitute(String(a), folder)) } : {}),
          }
        : undefined;
    const dependsOn = dependencyNames(t.dependsOn);
    const deps = dependsOn.length
      ? { dependsOn, dependsOrder: t.dependsOrder === 'sequence' ? ('sequence' as const) : ('parallel' as const) }
      : {};
    if (t.type === 'npm' && t.script) {
      const name = t.label ?? `npm: ${t.script}`;
      out.push({
        name,
        source: 'tasks.json',
        detail: t.detail ?? `npm run ${t.script}`,
        command: `npm run ${shellQuote(t.script)}`,
        shell,
        cwd: t.path ? path.resolve(folder, t.path) : cwd,
        env,
        ...deps,
      });
      continue;
    }
    const command = typeof t.command === 'string' ? t.command : t.command?.value;
    const name = t.label ?? t.taskName ?? (command ? `${t.type ?? 'shell'}: ${command}` : undefined);
    if (!name) continue;
    if (!command) {
      out.push({
        name,
        source: 'tasks.json',
        detail: t.detail ?? (dependsOn.length ? `runs ${dependsOn.join(', ')}` : 'no command'),
        cwd,
        env,
        hasCommand: false,
        ...deps,
      });
      continue;
    }
    const args = (t.args ?? []).map((a) => substitute(argText(a), folder));
    if (t.type === 'process') {
      const file = substitute(command, folder);
      const line = [file, ...args].map((a) => shellQuote(a)).join(' ');
      out.push({
        name,
        source: 'tasks.json',
        detail: t.detail ?? line,
        command: line,
        process: { file, args },
        cwd,
        env,
        ...deps,
      });
      continue;
    }
    const line = [substitute(command, folder), ...args.map((a) => shellQuote(a))].join(' ');
    out.push({ name, source: 'tasks.json', detail: t.detail ?? line, command: line, shell, cwd, env, ...deps });
  }
  return out;
}

/** package.json scripts of one folder as "npm: <script>" tasks. */
export async function readPackageScripts(fs: WorkspaceFs, folder: string): Promise<ResolvedTask[]> {
  const text = await readText(fs, fileUri(path.join(folder, 'package.json')));
  let scripts: Record<string, unknown> | undefined;
  try {
    scripts = (JSON.parse(text ?? '') as { scripts?: Record<string, unknown> }).scripts;
  } catch {
    return [];
  }
  return Object.entries(scripts ?? {})
    .filter(([, v]) => typeof v === 'string')
    .map(([name, v]) => ({
      name: `npm: ${name}`,
      source: 'npm',
      detail: String(v),
      command: `npm run ${shellQuote(name)}`,
      cwd: folder,
    }));
}

/** All tasks of the (local) workspace folders, read through the host's file system; first name wins. */
export async function readWorkspaceTasks(fs: WorkspaceFs, roots: readonly string[]): Promise<ResolvedTask[]> {
  const seen = new Set<string>();
  const out: ResolvedTask[] = [];
  for (const root of roots) {
    for (const t of [...(await readTasksJson(fs, root)), ...(await readPackageScripts(fs, root))]) {
      if (seen.has(t.name)) continue;
      seen.add(t.name);
      out.push(t);
    }
  }
  return out;
}

/** What the listing shows of a task (no command line internals). */
export function taskInfo(t: ResolvedTask): TaskInfo {
  return {
    name: t.name,
    source: t.source,
    ...(t.detail ? { detail: t.detail } : {}),
    ...(t.dependsOn?.length ? { dependsOn: t.dependsOn, dependsOrder: t.dependsOrder ?? 'parallel' } : {}),
    ...(t.command === undefined ? { hasCommand: false } : {}),
  };
}
