// Workspace tasks outside VS Code: `.vscode/tasks.json` (JSON with comments) and the scripts of
// package.json (as "npm: <script>", the name VS Code's npm detection gives them). Each task
// becomes a shell command line the process runner can own.
import fs from 'node:fs';
import path from 'node:path';
import { shellQuote } from './process-runner.ts';
import type { TaskInfo } from './types.ts';

export interface ResolvedTask extends TaskInfo {
  /** The command line to run; undefined for tasks that only depend on others. */
  command?: string;
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
interface TaskJson {
  label?: string;
  taskName?: string;
  type?: string;
  command?: string | { value: string };
  args?: TaskArg[];
  script?: string;
  path?: string;
  detail?: string;
  options?: { cwd?: string; env?: Record<string, string> };
  dependsOn?: unknown;
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

const argText = (a: TaskArg): string => (typeof a === 'string' ? a : Array.isArray(a.value) ? a.value.join(' ') : a.value);

function platformOverride(t: TaskJson): TaskJson {
  const key = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'osx' : 'linux';
  const o = t[key];
  return o ? { ...t, ...o, options: { ...t.options, ...o.options } } : t;
}

/** The tasks of one workspace folder's .vscode/tasks.json. */
export function readTasksJson(folder: string): ResolvedTask[] {
  let parsed: { tasks?: TaskJson[] };
  try {
    parsed = JSON.parse(stripJsonComments(fs.readFileSync(path.join(folder, '.vscode', 'tasks.json'), 'utf8'))) as { tasks?: TaskJson[] };
  } catch {
    return [];
  }
  const out: ResolvedTask[] = [];
  for (const raw of parsed.tasks ?? []) {
    const t = platformOverride(raw);
    const cwd = t.options?.cwd ? path.resolve(folder, substitute(t.options.cwd, folder)) : folder;
    const env = t.options?.env ? Object.fromEntries(Object.entries(t.options.env).map(([k, v]) => [k, substitute(String(v), folder)])) : undefined;
    if (t.type === 'npm' && t.script) {
      const name = t.label ?? `npm: ${t.script}`;
      out.push({ name, source: 'tasks.json', detail: t.detail ?? `npm run ${t.script}`, command: `npm run ${shellQuote(t.script)}`, cwd: t.path ? path.resolve(folder, t.path) : cwd, env });
      continue;
    }
    const command = typeof t.command === 'string' ? t.command : t.command?.value;
    const name = t.label ?? t.taskName ?? (command ? `${t.type ?? 'shell'}: ${command}` : undefined);
    if (!name) continue;
    if (!command) {
      out.push({ name, source: 'tasks.json', detail: t.detail ?? (t.dependsOn ? 'runs other tasks (dependsOn)' : 'no command'), cwd, env });
      continue;
    }
    const args = (t.args ?? []).map((a) => substitute(argText(a), folder));
    const line = t.type === 'process'
      ? [substitute(command, folder), ...args].map(shellQuote).join(' ')
      : [substitute(command, folder), ...args.map(shellQuote)].join(' ');
    out.push({ name, source: 'tasks.json', detail: t.detail ?? line, command: line, cwd, env });
  }
  return out;
}

/** package.json scripts of one folder as "npm: <script>" tasks. */
export function readPackageScripts(folder: string): ResolvedTask[] {
  let scripts: Record<string, unknown> | undefined;
  try {
    scripts = (JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> }).scripts;
  } catch {
    return [];
  }
  return Object.entries(scripts ?? {})
    .filter(([, v]) => typeof v === 'string')
    .map(([name, v]) => ({ name: `npm: ${name}`, source: 'npm', detail: String(v), command: `npm run ${shellQuote(name)}`, cwd: folder }));
}

/** All tasks of the workspace folders, first name wins. */
export function readWorkspaceTasks(roots: readonly string[]): ResolvedTask[] {
  const seen = new Set<string>();
  const out: ResolvedTask[] = [];
  for (const root of roots) {
    for (const t of [...readTasksJson(root), ...readPackageScripts(root)]) {
      if (seen.has(t.name)) continue;
      seen.add(t.name);
      out.push(t);
    }
  }
  return out;
}
