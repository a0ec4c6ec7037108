// run_task: lists the workspace's tasks, runs one by name, or runs a shell command when the
// user enabled shell commands. Output streams to the UI as it comes; the model gets the exit
// code and the output bounded to its head and tail. Timeout and cancellation kill the whole
// process tree (the host does it).
import { WorkspaceGuard } from './guard.ts';
import { OutputCollector, stripAnsi } from './output.ts';
import { object, optional, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { ToolError } from './types.ts';
import type { TaskInfo, Tool, ToolContext, ToolResult } from './types.ts';

const shape = {
  name: optional(string('The task to run, exactly as listed (e.g. "build" or "npm: test"). Null (with command null) lists the tasks.')),
  command: optional(string('A shell command line to run instead of a task (only when the user enabled shell commands), e.g. "npm test -- --run".')),
  cwd: optional(string('Folder to run the command in, relative to the workspace root. Null for the workspace root. Tasks use their own folder.')),
};
const schema = object('run_task', shape);
export type RunTaskArgs = ArgsOf<typeof shape>;

export const REJECTED_RUN_MESSAGE = 'The user declined to run this, so nothing ran. Do not retry it unchanged; ask the user what they want instead.';
/** Characters that chain or redirect commands: an allow-listed prefix never covers them. */
const SHELL_CONTROL = /[;&|<>`$\n\r(){}]/;

/** Whether `command` is covered by an allow-list prefix ("npm test" covers "npm test -- --run"). */
export function isAllowedCommand(command: string, allow: readonly string[]): boolean {
  const c = command.trim();
  if (SHELL_CONTROL.test(c)) return false;
  return allow.some((p) => {
    const prefix = p.trim();
    return prefix !== '' && (c === prefix || c.startsWith(`${prefix} `));
  });
}

export const runTaskTool: Tool<RunTaskArgs> = {
  name: 'run_task',
  readOnly: false,
  definition: {
    type: 'function',
    name: 'run_task',
    description: [
      'Run a workspace task (from .vscode/tasks.json or detected, such as "npm: test") and get its exit code and output. Call with name and command null to list the tasks.',
      'With command, runs a shell command line instead, if the user enabled shell commands. The user may be asked to approve. Long output keeps its beginning and end; the full output is in the terminal panel.',
      'Runs stop at the configured timeout; the whole process tree is stopped then.',
    ].join(' '),
    strict: true,
    parameters: schema.jsonSchema,
  },
  parse: (raw) => {
    const args = schema.parse(raw);
    if (args.name !== undefined && args.command !== undefined) throw new ToolError('invalid_arguments', 'Give either name (a task) or command (a shell command), not both.');
    return args;
  },
  describe: (args) => args.name ?? (args.command !== undefined ? `$ ${args.command}` : 'list tasks'),
  run: runTask,
};

function listing(tasks: readonly TaskInfo[], ctx: ToolContext): string {
  const lines = tasks.length ? ['Tasks in this workspace:'] : ['This workspace has no tasks (no .vscode/tasks.json and nothing detected).'];
  for (const t of tasks) lines.push(`  ${t.name}  (${t.source}${t.detail ? `: ${t.detail}` : ''})`);
  if (!ctx.host.isTrusted()) lines.push('Running tasks is disabled because the workspace is not trusted.');
  else if (ctx.settings.tasks === 'off') lines.push('Running tasks is turned off in the settings.');
  else if (tasks.length) lines.push('Run one with run_task and its name.');
  lines.push(ctx.settings.shell.enabled ? 'Shell commands are enabled: run_task with command runs a command line.' : 'Shell commands are disabled, so only these tasks can run.');
  return lines.join('\n');
}

async function runTask(args: RunTaskArgs, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  if (args.name === undefined && args.command === undefined) {
    const tasks = await ctx.host.listTasks();
    return { output: listing(tasks, ctx), summary: `${tasks.length} tasks` };
  }
  const roots = guard.roots();
  if (roots.length === 0) throw new ToolError('outside_workspace', 'No workspace folder is open, so there is nothing to run.');

  let spec: { task?: string; command?: string; cwd: string };
  let label: string;
  if (args.name !== undefined) {
    if (ctx.settings.tasks === 'off') throw new ToolError('not_allowed', 'Running tasks is turned off in the settings (approvals.tasks is "off"). Ask the user to run it.');
    guard.requireTrusted('running tasks');
    const tasks = await ctx.host.listTasks();
    const task = tasks.find((t) => t.name === args.name) ?? tasks.find((t) => t.name.toLowerCase() === args.name!.toLowerCase());
    if (!task) {
      const names = tasks.map((t) => `'${t.name}'`).join(', ');
      throw new ToolError('unknown_task', `There is no task named '${args.name}'. ${tasks.length ? `Available tasks: ${names}.` : 'This workspace has no tasks.'}`);
    }
    label = `task '${task.name}'`;
    if (ctx.settings.tasks === 'ask' && !(await ctx.approve({ kind: 'task', title: `Run task ${task.name}`, command: task.detail }))) {
      return { output: REJECTED_RUN_MESSAGE, isError: true, summary: 'rejected' };
    }
    spec = { task: task.name, cwd: roots[0]!.path };
  } else {
    const command = args.command!.trim();
    if (!command) throw new ToolError('invalid_arguments', 'The command is empty.');
    if (!ctx.settings.shell.enabled) {
      throw new ToolError('not_allowed', 'Shell commands are disabled (the user can turn on shell.enabled in the Warmline settings). Use run_task with a task name instead; call it with no name to list the tasks.');
    }
    guard.requireTrusted('running commands');
    let cwd = roots[0]!.path;
    if (args.cwd !== undefined) {
      const dir = await guard.resolve(args.cwd, 'list');
      if (!dir.stat?.isDirectory()) throw new ToolError('not_found', `'${dir.display}' is not a folder.`);
      cwd = dir.abs;
    }
    label = `'${command}'`;
    if (!isAllowedCommand(command, ctx.settings.shell.allow) && !(await ctx.approve({ kind: 'shell', title: `Run: ${command}`, command }))) {
      return { output: REJECTED_RUN_MESSAGE, isError: true, summary: 'rejected' };
    }
    spec = { command, cwd };
  }

  // Leave room for the status lines so the result stays within maxOutputBytes.
  const collector = new OutputCollector(Math.max(1024, ctx.settings.maxOutputBytes - 512));
  const started = Date.now();
  const result = await ctx.host.runProcess(spec, (chunk) => {
    const clean = stripAnsi(chunk);
    ctx.progress(clean);
    collector.push(clean);
  }, ctx.signal, ctx.settings.taskTimeoutMs);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  let status: string;
  if (result.timedOut) status = `${label} timed out after ${Math.round(ctx.settings.taskTimeoutMs / 1000)} s and was stopped (with everything it started).`;
  else if (result.cancelled) status = `${label} was cancelled and stopped (with everything it started).`;
  else if (result.exitCode === null) status = `${label} ended by signal ${result.signal ?? 'unknown'} after ${seconds} s.`;
  else status = `${label} exited with code ${result.exitCode} after ${seconds} s.`;
  const body = collector.totalBytes === 0 ? '(no output)' : collector.text({ hint: 'the full output is in the terminal panel; rerun with narrower options to see less', headShare: 0.3 });
  const failed = result.timedOut || result.cancelled || result.exitCode !== 0;
  return {
    output: `${status}\nOutput:\n${body}`,
    isError: failed,
    summary: result.timedOut ? 'timed out' : result.cancelled ? 'cancelled' : result.exitCode === null ? `signal ${result.signal ?? ''}`.trim() : `exit ${result.exitCode}`,
  };
}
