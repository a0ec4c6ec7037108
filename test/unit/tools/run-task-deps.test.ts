// run_task as VS Code runs tasks: dependsOn first (together, or in order with dependsOrder
// "sequence", stopping at a failure), each shown; the command under the task's own shell
// (options.shell, per task or for the whole tasks.json), a process task without a shell; and
// discovery that never makes the agent wait on a slow task provider.
import { afterAll, describe, expect, it } from 'vitest';
import { shellInvocation } from '../../../src/tools/process-runner.ts';
import { runTaskTool } from '../../../src/tools/run-task.ts';
import { TaskDiscovery } from '../../../src/tools/task-discovery.ts';
import { ToolError } from '../../../src/tools/types.ts';
import { cleanupFixtures, context, expectToolError, fixture, run, waitUntil } from './helpers.ts';

afterAll(cleanupFixtures);

function tasksWorkspace(tasks: unknown[], extra: Record<string, unknown> = {}) {
  return fixture({ '.vscode/tasks.json': JSON.stringify({ version: '2.0.0', ...extra, tasks }) });
}
const auto = (root: string, settings = {}) => context(root, { tasks: 'auto', ...settings });

describe('run_task: dependsOn', () => {
  it('runs the dependencies first, in order with dependsOrder "sequence", each shown', async () => {
    const ws = tasksWorkspace([
      { label: 'one', type: 'shell', command: 'echo one >> order.txt; echo ran one' },
      { label: 'two', type: 'shell', command: 'echo two >> order.txt; echo ran two' },
      {
        label: 'all',
        type: 'shell',
        command: 'echo all >> order.txt; echo ran all',
        dependsOn: ['two', 'one'],
        dependsOrder: 'sequence',
      },
    ]);
    const ctx = auto(ws.root);
    const r = await run(runTaskTool, { name: 'all' }, ctx);
    expect(ws.read('order.txt')).toBe('two\none\nall\n');
    expect(r.isError).toBe(false);
    expect(r.summary).toBe('exit 0 (3 tasks)');
    expect(r.output).toMatch(
      /^task 'all' succeeded with the 2 tasks it depends on:\n--- task 'two' exited with code 0 after [\d.]+ s\.\nOutput:\nran two\n\n--- task 'one' exited with code 0 after [\d.]+ s\.\nOutput:\nran one\n\n--- task 'all' exited with code 0/,
    );
    expect(ctx.chunks.join('')).toMatch(/> task 'two'\nran two\n\n> task 'one'\nran one\n\n> task 'all'\nran all/);
  });

  it('runs them together by default (as VS Code does): one waits for a file the other writes', async () => {
    const ws = tasksWorkspace([
      { label: 'waiter', type: 'shell', command: 'while [ ! -f flag ]; do sleep 0.05; done; echo saw the flag' },
      { label: 'writer', type: 'shell', command: 'sleep 0.2; touch flag; echo wrote the flag' },
      { label: 'both', dependsOn: ['waiter', 'writer'] },
    ]);
    const r = await run(runTaskTool, { name: 'both' }, auto(ws.root, { taskTimeoutMs: 10_000 }));
    expect(r.isError).toBe(false);
    expect(r.output).toContain('saw the flag');
    expect(r.output).toContain('wrote the flag');
    expect(r.output).toMatch(/--- task 'both' has no command of its own; it only runs the tasks it depends on\.$/);
  });

  it('stops at a failing dependency: later ones in a sequence and the task itself do not run', async () => {
    const ws = tasksWorkspace([
      { label: 'lint', type: 'shell', command: 'echo lint failed >&2; exit 2' },
      { label: 'test', type: 'shell', command: 'touch tested' },
      { label: 'ci', type: 'shell', command: 'touch ci-ran', dependsOn: ['lint', 'test'], dependsOrder: 'sequence' },
    ]);
    const r = await run(runTaskTool, { name: 'ci' }, auto(ws.root));
    expect(r.isError).toBe(true);
    expect(r.summary).toBe('failed (exit 2 in lint)');
    expect(r.output).toMatch(/^task 'ci' failed: task 'lint' ended with exit 2\./);
    expect(r.output).toContain("--- task 'ci' did not run: task 'lint', which it depends on, did not succeed.");
    expect(ws.exists('tested')).toBe(false);
    expect(ws.exists('ci-ran')).toBe(false);
  });

  it('runs a task reached twice (a diamond) once', async () => {
    const ws = tasksWorkspace([
      { label: 'base', type: 'shell', command: 'echo base >> count.txt' },
      { label: 'left', type: 'shell', command: 'true', dependsOn: 'base' },
      { label: 'right', type: 'shell', command: 'true', dependsOn: ['base'] },
      { label: 'top', dependsOn: ['left', 'right'] },
    ]);
    const r = await run(runTaskTool, { name: 'top' }, auto(ws.root));
    expect(r.isError).toBe(false);
    expect(ws.read('count.txt')).toBe('base\n');
  });

  it('refuses a cycle and an unknown dependency before running anything, and shows the plan for approval', async () => {
    const ws = tasksWorkspace([
      { label: 'a', type: 'shell', command: 'touch ran-a', dependsOn: ['b'] },
      { label: 'b', type: 'shell', command: 'touch ran-b', dependsOn: ['a'] },
      { label: 'c', type: 'shell', command: 'touch ran-c', dependsOn: ['missing'] },
      { label: 'd', type: 'shell', command: 'echo d', dependsOn: [{ type: 'npm', script: 'build' }] },
    ]);
    ws.write('package.json', JSON.stringify({ scripts: { build: 'echo building' } }));
    await expectToolError(
      run(runTaskTool, { name: 'a' }, auto(ws.root)),
      'invalid_arguments',
      /goes round in a circle \('a' -> 'b' -> 'a'\)/,
    );
    await expectToolError(
      run(runTaskTool, { name: 'c' }, auto(ws.root)),
      'unknown_task',
      /Task 'c' depends on 'missing', which is not a task in this workspace, so nothing ran/,
    );
    expect(ws.exists('ran-a') || ws.exists('ran-b') || ws.exists('ran-c')).toBe(false);
    const ctx = context(ws.root, { tasks: 'ask' }, { approve: false });
    await run(runTaskTool, { name: 'd' }, ctx);
    expect(ctx.approvals[0]).toEqual({
      kind: 'task',
      title: 'Run task d',
      command: 'first: npm: build (echo building) (together)\nthen: echo d',
    });
  });

  it('is cancelled between and during dependencies', async () => {
    const ws = tasksWorkspace([
      { label: 'slow', type: 'shell', command: 'sleep 30' },
      { label: 'after', type: 'shell', command: 'touch after-ran' },
      {
        label: 'chain',
        type: 'shell',
        command: 'touch chain-ran',
        dependsOn: ['slow', 'after'],
        dependsOrder: 'sequence',
      },
    ]);
    const ctx = auto(ws.root);
    const running = run(runTaskTool, { name: 'chain' }, ctx);
    // Cancelled during 'slow': once the tool has announced it.
    expect(await waitUntil(() => ctx.chunks.join('').includes("> task 'slow'"))).toBe(true);
    ctx.controller.abort();
    const r = await running;
    expect(r.isError).toBe(true);
    expect(r.output).toContain("task 'slow' was cancelled and stopped");
    expect(ws.exists('after-ran')).toBe(false);
    expect(ws.exists('chain-ran')).toBe(false);
  });
});

describe('run_task: the shell a task runs under', () => {
  it("uses the host's default shell, a task's options.shell, and the tasks.json-wide one", async () => {
    const ws = tasksWorkspace(
      [
        { label: 'default', type: 'shell', command: 'echo "$0"' },
        {
          label: 'bash',
          type: 'shell',
          command: 'echo "$0"; echo "${BASH_VERSION:+is bash}"',
          options: { shell: { executable: '/bin/bash', args: ['-c'] } },
        },
      ],
      { options: { shell: { executable: '/bin/sh', args: ['-c'] } } },
    );
    expect((await run(runTaskTool, { name: 'default' }, auto(ws.root))).output).toMatch(/Output:\n\/bin\/sh\n/);
    const bash = await run(runTaskTool, { name: 'bash' }, auto(ws.root));
    expect(bash.output).toMatch(/Output:\n\/bin\/bash\nis bash\n/);
  });

  it('without options.shell, runs under the default shell of the host, not always bash', async () => {
    const ws = tasksWorkspace([{ label: 'which', type: 'shell', command: 'echo "$0"' }]);
    const r = await run(
      runTaskTool,
      { name: 'which' },
      context(ws.root, { tasks: 'auto' }, { host: { shell: '/bin/sh' } }),
    );
    expect(r.output).toMatch(/Output:\n\/bin\/sh\n/);
  });

  it('like VS Code, a named shell gets only the arguments it was given (no -c added)', async () => {
    const ws = tasksWorkspace([
      {
        label: 'echoed',
        type: 'shell',
        command: 'hello from the task',
        options: { shell: { executable: '/bin/echo', args: ['given:'] } },
      },
    ]);
    expect((await run(runTaskTool, { name: 'echoed' }, auto(ws.root))).output).toMatch(
      /Output:\ngiven: hello from the task\n/,
    );
  });

  it('runs a process task without a shell: its arguments are passed as they are', async () => {
    const ws = tasksWorkspace([
      { label: 'args', type: 'process', command: 'printf', args: ['%s|', '$HOME', 'a b', '*'] },
    ]);
    expect((await run(runTaskTool, { name: 'args' }, auto(ws.root))).output).toMatch(/Output:\n\$HOME\|a b\|\*\|/);
  });

  it('invokes shells as VS Code does on Windows: cmd /d /c (verbatim), PowerShell -Command, bash -c', () => {
    expect(shellInvocation('dir /b', undefined, { executable: 'C:\\Windows\\System32\\cmd.exe' }, 'win32')).toEqual({
      file: 'C:\\Windows\\System32\\cmd.exe',
      args: ['/d', '/c', 'dir /b'],
      verbatim: true,
    });
    expect(
      shellInvocation(
        'Get-ChildItem',
        undefined,
        { executable: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe', args: ['-NoProfile'] },
        'win32',
      ),
    ).toEqual({
      file: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe',
      args: ['-NoProfile', '-Command', 'Get-ChildItem'],
      verbatim: false,
    });
    expect(
      shellInvocation('ls', undefined, { executable: 'C:\\Program Files\\Git\\bin\\bash.exe' }, 'win32').args,
    ).toEqual(['-c', 'ls']);
    expect(shellInvocation('ls', { args: ['-l'] }, { executable: '/bin/zsh' }, 'linux')).toEqual({
      file: '/bin/zsh',
      args: ['-l', '-c', 'ls'],
      verbatim: false,
    });
    expect(
      shellInvocation('ls', { executable: 'pwsh.exe', args: ['-Command'] }, { executable: 'cmd.exe' }, 'win32'),
    ).toEqual({ file: 'pwsh.exe', args: ['-Command', 'ls'], verbatim: false });
    expect(shellInvocation('ls', undefined, { executable: '/bin/bash', args: ['-c'] }, 'linux').args).toEqual([
      '-c',
      'ls',
    ]);
  });
});

describe('task discovery never blocks the agent', () => {
  const never = () => new Promise<string[]>(() => {});

  it('a listing waits at most its limit for a provider that hangs, and says it is still detecting', async () => {
    const d = new TaskDiscovery<string>(never);
    const started = Date.now();
    const found = await d.list(100, new AbortController().signal);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(found).toMatchObject({ tasks: [], state: 'detecting' });
  });

  it('fetches once in the background, caches, and refreshes a stale cache while serving it', async () => {
    let calls = 0;
    let release: (v: string[]) => void = () => {};
    const d = new TaskDiscovery<string>(() => {
      calls++;
      return new Promise<string[]>((r) => {
        release = r;
      });
    }, 0);
    await d.list(10, new AbortController().signal);
    await d.list(10, new AbortController().signal);
    expect(calls).toBe(1); // one fetch in flight at a time
    release(['npm: build']);
    expect((await d.list(1000, new AbortController().signal)).tasks).toEqual(['npm: build']);
    expect(calls).toBe(1);
    // Stale (maxAge 0): the next listing starts a refresh in the background and serves the cache meanwhile.
    expect(await d.list(0, new AbortController().signal)).toMatchObject({ tasks: ['npm: build'], state: 'ready' });
    expect(calls).toBe(2);
  });

  it('asks one type alone, time-limited; a wait is cancelled at once', async () => {
    const asked: Array<string | undefined> = [];
    const d = new TaskDiscovery<string>((type) => {
      asked.push(type);
      return type === 'npm' ? Promise.resolve(['npm: x']) : never();
    });
    expect(await d.ofType('npm', 1000, new AbortController().signal)).toEqual(['npm: x']);
    expect(await d.ofType('gulp', 50, new AbortController().signal)).toBeUndefined();
    expect(asked).toEqual(['npm', 'gulp']);
    const stop = new AbortController();
    const started = Date.now();
    const listing = d.list(60_000, stop.signal).catch((e: unknown) => e);
    // Cancelled while the listing waits: once it has asked the providers.
    expect(await waitUntil(() => asked.length === 3)).toBe(true);
    stop.abort();
    const err = await listing;
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a provider that fails', async () => {
    const d = new TaskDiscovery<string>(() => Promise.reject(new Error('provider exploded')));
    expect(await d.list(1000, new AbortController().signal)).toMatchObject({
      state: 'failed',
      error: 'provider exploded',
    });
  });
});
