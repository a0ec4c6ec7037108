// run_task: lists the workspace's tasks (without waiting long on VS Code's task detection),
// runs one by name after the tasks it depends on (dependsOn, in parallel or in sequence as
// VS Code does), or runs a shell command when the user enabled shell commands. Output streams
// to the UI as it comes; the model gets each task's exit code and output bounded to its head
// and tail. Timeout and cancellation kill the whole process tree (the host does it); every wait
// can be cancelled.
import { WorkspaceGuard } from './guard.ts';
import { OutputCollector, boundOutput, stripAnsi } from './output.ts';
import { object, optional, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { ToolError } from './types.ts';
import type { ProcessResult, TaskInfo, TaskList, Tool, ToolContext, ToolResult } from './types.ts';

const shape = {
  name: optional(
    string(
      'The task to run, exactly as listed (e.g. "build" or "npm: test"). Null (with command null) lists the tasks.',
    ),
  ),
  command: optional(
    string(
      'A shell command line to run instead of a task (only when the user enabled shell commands), e.g. "npm test -- --run".',
    ),
  ),
  cwd: optional(
    string(
      'Folder to run the command in, relative to the workspace root. Null for the workspace root. Tasks use their own folder.',
    ),
  ),
};
const schema = object('run_task', shape);
export type RunTaskArgs = ArgsOf<typeof shape>;

export const REJECTED_RUN_MESSAGE =
  'The user declined to run this, so nothing ran. Do not retry it unchanged; ask the user what they want instead.';
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
    if (args.name !== undefined && args.command !== undefined)
      throw new ToolError('invalid_arguments', 'Give either name (a task) or command (a shell command), not both.');
    return args;
  },
  describe: (args) => args.name ?? (args.command !== undefined ? `$ ${args.command}` : 'list tasks'),
  run: runTask,
};

function listing(list: TaskList, ctx: ToolContext): string {
  const { tasks } = list;
  const lines = tasks.length
    ? ['Tasks in this workspace:']
    : [
        list.incomplete
          ? 'No tasks found yet.'
          : 'This workspace has no tasks (no .vscode/tasks.json and nothing detected).',
      ];
  for (const t of tasks) lines.push(`  ${t.name}  (${t.source}${t.detail ? `: ${t.detail}` : ''})`);
  for (const note of list.notes ?? []) lines.push(note);
  if (!ctx.host.isTrusted()) lines.push('Running tasks is disabled because the workspace is not trusted.');
  else if (ctx.settings.tasks === 'off') lines.push('Running tasks is turned off in the settings.');
  else if (tasks.length) lines.push('Run one with run_task and its name.');
  lines.push(
    ctx.settings.shell.enabled
      ? 'Shell commands are enabled: run_task with command runs a command line.'
      : 'Shell commands are disabled, so only these tasks can run.',
  );
  return lines.join('\n');
}

const findTask = (tasks: readonly TaskInfo[], name: string): TaskInfo | undefined =>
  tasks.find((t) => t.name === name) ?? tasks.find((t) => t.name.toLowerCase() === name.toLowerCase());

/** A task with the tasks it depends on, resolved by name (refusing cycles and unknown names). */
interface PlanNode {
  task: TaskInfo;
  deps: PlanNode[];
  order: 'parallel' | 'sequence';
}

async function plan(
  task: TaskInfo,
  lookup: (name: string) => Promise<TaskInfo | undefined>,
  path: readonly string[] = [],
): Promise<PlanNode> {
  if (path.includes(task.name)) {
    throw new ToolError(
      'invalid_arguments',
      `Task '${path[0]}' cannot run: its dependsOn goes round in a circle (${[...path, task.name].map((n) => `'${n}'`).join(' -> ')}).`,
    );
  }
  const deps: PlanNode[] = [];
  for (const name of task.dependsOn ?? []) {
    const dep = await lookup(name);
    if (!dep)
      throw new ToolError(
        'unknown_task',
        `Task '${task.name}' depends on '${name}', which is not a task in this workspace, so nothing ran.`,
      );
    deps.push(await plan(dep, lookup, [...path, task.name]));
  }
  return { task, deps, order: task.dependsOrder ?? 'parallel' };
}

/** Every task of a plan, dependencies first, each once. */
function planOrder(node: PlanNode, out: TaskInfo[] = []): TaskInfo[] {
  for (const d of node.deps) planOrder(d, out);
  if (!out.some((t) => t.name === node.task.name)) out.push(node.task);
  return out;
}

interface TaskRun {
  name: string;
  /** Undefined when it did not run (a dependency failed, the time ran out, cancelled). */
  result?: ProcessResult;
  seconds: string;
  output: OutputCollector;
  notRun?: string;
  noCommand?: boolean;
}

const failed = (r: TaskRun): boolean =>
  r.notRun !== undefined || !r.result || r.result.timedOut || r.result.cancelled || r.result.exitCode !== 0;

function statusOf(run: TaskRun, label: string, ctx: ToolContext): string {
  const r = run.result;
  if (run.notRun !== undefined) return `${label} did not run: ${run.notRun}.`;
  if (!r) return `${label} did not run.`;
  if (r.timedOut)
    return `${label} timed out after ${Math.round(ctx.settings.taskTimeoutMs / 1000)} s and was stopped (with everything it started).`;
  if (r.cancelled) return `${label} was cancelled and stopped (with everything it started).`;
  if (run.noCommand) return `${label} has no command of its own; it only runs the tasks it depends on.`;
  if (r.exitCode === null) return `${label} ended by signal ${r.signal ?? 'unknown'} after ${run.seconds} s.`;
  return `${label} exited with code ${r.exitCode} after ${run.seconds} s.`;
}

async function runTask(args: RunTaskArgs, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  if (args.name === undefined && args.command === undefined) {
    const list = await ctx.host.listTasks(ctx.signal);
    return { output: listing(list, ctx), summary: `${list.tasks.length}${list.incomplete ? '+' : ''} tasks` };
  }
  const roots = guard.roots();
  if (roots.length === 0)
    throw new ToolError('outside_workspace', 'No workspace folder is open, so there is nothing to run.');
  const local = roots.find((r) => r.localPath !== undefined);
  if (!local)
    throw new ToolError(
      'not_allowed',
      `The workspace has no local folder (${roots.map((r) => r.name).join(', ')} ${roots.length === 1 ? 'is' : 'are'} virtual), so tasks and commands cannot run here. Reading, searching and editing still work.`,
    );

  if (args.name !== undefined) {
    if (ctx.settings.tasks === 'off')
      throw new ToolError(
        'not_allowed',
        'Running tasks is turned off in the settings (approvals.tasks is "off"). Ask the user to run it.',
      );
    guard.requireTrusted('running tasks');
    // tasks.json and package.json answer at once; a name they lack may still come from an
    // extension's provider, asked alone and for a limited time.
    const list = await ctx.host.listTasks(ctx.signal, { waitMs: 0 });
    const lookup = async (name: string) =>
      findTask(list.tasks, name) ??
      (list.incomplete && ctx.host.resolveTask ? await ctx.host.resolveTask(name, ctx.signal) : undefined);
    const task = await lookup(args.name);
    if (!task) {
      const names = list.tasks.map((t) => `'${t.name}'`).join(', ');
      const more = list.incomplete
        ? ' Tasks from extensions are still being detected; list the tasks again in a moment.'
        : '';
      throw new ToolError(
        'unknown_task',
        `There is no task named '${args.name}'. ${list.tasks.length ? `Available tasks: ${names}.` : 'This workspace has no tasks.'}${more}`,
      );
    }
    const root = await plan(task, lookup);
    const all = planOrder(root);
    const first = all.slice(0, -1);
    const command = first.length
      ? [
          `first: ${first.map((t) => `${t.name}${t.detail ? ` (${t.detail})` : ''}`).join('; ')} (${root.order === 'sequence' ? 'in order' : 'together'})`,
          `then: ${task.detail ?? task.name}`,
        ].join('\n')
      : task.detail;
    if (
      ctx.settings.tasks === 'ask' &&
      !(await ctx.approve({ kind: 'task', title: `Run task ${task.name}`, command }))
    ) {
      return { output: REJECTED_RUN_MESSAGE, isError: true, summary: 'rejected' };
    }
    return runPlan(root, all.length, local.localPath!, ctx);
  }

  const command = args.command!.trim();
  if (!command) throw new ToolError('invalid_arguments', 'The command is empty.');
  if (!ctx.settings.shell.enabled) {
    throw new ToolError(
      'not_allowed',
      'Shell commands are disabled (the user can turn on shell.enabled in the Warmline settings). Use run_task with a task name instead; call it with no name to list the tasks.',
    );
  }
  guard.requireTrusted('running commands');
  let cwd = local.localPath!;
  if (args.cwd !== undefined) {
    const dir = await guard.resolve(args.cwd, 'list');
    if (dir.stat?.type !== 'directory') throw new ToolError('not_found', `'${dir.display}' is not a folder.`);
    const at = guard.host.fs.localPath(dir.uri);
    if (at === undefined)
      throw new ToolError(
        'not_allowed',
        `'${dir.display}' is in a virtual folder; commands run in a local folder only.`,
      );
    cwd = at;
  }
  if (
    !isAllowedCommand(command, ctx.settings.shell.allow) &&
    !(await ctx.approve({ kind: 'shell', title: `Run: ${command}`, command }))
  ) {
    return { output: REJECTED_RUN_MESSAGE, isError: true, summary: 'rejected' };
  }
  const run = await runOne({ command, cwd }, 1, Date.now() + ctx.settings.taskTimeoutMs, ctx, `'${command}'`);
  return report([run], [`'${command}'`], ctx);
}

/** Runs one process, collecting its output (a share of the output budget when several run). */
async function runOne(
  spec: { task?: string; command?: string; cwd: string },
  shareOf: number,
  deadline: number,
  ctx: ToolContext,
  label: string,
  announce = false,
): Promise<TaskRun> {
  const output = new OutputCollector(
    Math.max(1024, Math.floor((ctx.settings.maxOutputBytes - 512 * shareOf) / shareOf)),
  );
  const started = Date.now();
  if (announce) ctx.progress(`\n> ${label}\n`);
  const result = await ctx.host.runProcess(
    spec,
    (chunk) => {
      const clean = stripAnsi(chunk);
      ctx.progress(clean);
      output.push(clean);
    },
    ctx.signal,
    Math.max(1, deadline - Date.now()),
  );
  return { name: spec.task ?? spec.command ?? '', result, seconds: ((Date.now() - started) / 1000).toFixed(1), output };
}

/**
 * Runs a task after the tasks it depends on, as VS Code does: all of them at once by default,
 * one after another with dependsOrder "sequence" (stopping at the first that fails); the task
 * itself only when every dependency succeeded. A task reached twice runs once.
 */
async function runPlan(root: PlanNode, count: number, cwd: string, ctx: ToolContext): Promise<ToolResult> {
  const deadline = Date.now() + ctx.settings.taskTimeoutMs;
  const runs = new Map<string, Promise<TaskRun>>();
  const done: TaskRun[] = [];
  const label = (name: string) => `task '${name}'`;
  const exec = (node: PlanNode): Promise<TaskRun> => {
    let p = runs.get(node.task.name);
    if (p) return p;
    p = (async () => {
      let blocked: TaskRun | undefined;
      if (node.order === 'sequence') {
        for (const d of node.deps) {
          const r = await exec(d);
          if (failed(r)) {
            blocked = r;
            break;
          }
        }
      } else {
        blocked = (await Promise.all(node.deps.map(exec))).find(failed);
      }
      const empty = { seconds: '0.0', output: new OutputCollector(1024) };
      let run: TaskRun;
      if (blocked)
        run = {
          name: node.task.name,
          ...empty,
          notRun: `${label(blocked.name)}, which it depends on, did not succeed`,
        };
      else if (ctx.signal.aborted)
        run = { name: node.task.name, ...empty, result: { exitCode: null, timedOut: false, cancelled: true } };
      else if (Date.now() >= deadline)
        run = { name: node.task.name, ...empty, result: { exitCode: null, timedOut: true, cancelled: false } };
      else if (node.task.hasCommand === false)
        run = {
          name: node.task.name,
          ...empty,
          result: { exitCode: 0, timedOut: false, cancelled: false },
          noCommand: true,
        };
      else run = await runOne({ task: node.task.name, cwd }, count, deadline, ctx, label(node.task.name), count > 1);
      done.push(run);
      return run;
    })();
    runs.set(node.task.name, p);
    return p;
  };
  await exec(root);
  return report(
    done,
    done.map((r) => label(r.name)),
    ctx,
  );
}

function report(runs: TaskRun[], labels: string[], ctx: ToolContext): ToolResult {
  const hint = {
    hint: 'the full output is in the terminal panel; rerun with narrower options to see less',
    headShare: 0.3,
  };
  const section = (run: TaskRun, i: number) => {
    const body =
      run.notRun !== undefined || run.noCommand
        ? ''
        : `\nOutput:\n${run.output.totalBytes === 0 ? '(no output)' : run.output.text(hint)}`;
    return `${statusOf(run, labels[i]!, ctx)}${body}`;
  };
  const last = runs[runs.length - 1]!;
  const anyFailed = runs.some(failed);
  const summaryOf = (r: TaskRun) =>
    r.notRun !== undefined
      ? 'not run'
      : r.result?.timedOut
        ? 'timed out'
        : r.result?.cancelled
          ? 'cancelled'
          : r.result?.exitCode === null
            ? `signal ${r.result?.signal ?? ''}`.trim()
            : `exit ${r.result?.exitCode}`;
  if (runs.length === 1) return { output: section(last, 0), isError: anyFailed, summary: summaryOf(last) };
  // Several tasks (dependsOn): one line for the whole run, then each task in the order it ended.
  const firstFailure = runs.find(failed);
  const head = anyFailed
    ? `${labels[labels.length - 1]} failed: ${labels[runs.indexOf(firstFailure!)]} ${summaryOf(firstFailure!) === 'not run' ? 'did not run' : `ended with ${summaryOf(firstFailure!)}`}. ${runs.length} tasks (dependsOn included):`
    : `${labels[labels.length - 1]} succeeded with the ${runs.length - 1} task${runs.length === 2 ? '' : 's'} it depends on:`;
  const output = boundOutput(
    [head, ...runs.map((r, i) => `--- ${section(r, i)}`)].join('\n'),
    ctx.settings.maxOutputBytes,
    hint,
  );
  return {
    output,
    isError: anyFailed,
    summary: anyFailed
      ? `failed (${summaryOf(firstFailure!)} in ${firstFailure!.name})`
      : `exit 0 (${runs.length} tasks)`,
  };
}
