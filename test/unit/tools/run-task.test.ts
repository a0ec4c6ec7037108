import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isAllowedCommand, runTaskTool, REJECTED_RUN_MESSAGE } from '../../../src/tools/run-task.ts';
import { NodeFs } from '../../../src/tools/node-fs.ts';
import { readTasksJson, stripJsonComments } from '../../../src/tools/tasks-file.ts';
import {
  cleanupFixtures,
  context,
  expectToolError,
  fixture,
  isAlive,
  liveGroupMembers,
  run,
  waitUntil,
} from './helpers.ts';

afterAll(cleanupFixtures);

const TASKS_JSON = `{
  // JSON with comments, as VS Code writes it
  "version": "2.0.0",
  "tasks": [
    { "label": "build", "type": "shell", "command": "echo building \${workspaceFolderBasename}", },
    { "label": "list args", "type": "process", "command": "printf", "args": ["%s|", "a b", "c"] },
    /* a composite task */
    { "label": "all", "dependsOn": ["build"] },
    { "label": "fail", "type": "shell", "command": "echo failing >&2; exit 3" },
  ],
}`;

function workspace() {
  return fixture(
    {
      '.vscode/tasks.json': TASKS_JSON,
      'package.json': JSON.stringify({ name: 'demo', scripts: { test: 'echo testing', lint: 'echo linting' } }),
    },
    'demo-ws',
  );
}

describe('run_task: tasks', () => {
  it('lists tasks.json tasks and package.json scripts when called without a name', async () => {
    const ws = workspace();
    const r = await run(runTaskTool, {}, context(ws.root));
    expect(r.output).toContain('Tasks in this workspace:');
    expect(r.output).toContain(
      '  build  (tasks.json: echo building ${workspaceFolderBasename})'.replace(
        '${workspaceFolderBasename}',
        'demo-ws',
      ),
    );
    expect(r.output).toContain('  npm: test  (npm: echo testing)');
    expect(r.output).toContain('Shell commands are disabled');
    expect(r.summary).toBe('6 tasks');
  });

  it('runs a task by name after approval, streaming its output', async () => {
    const ws = workspace();
    const ctx = context(ws.root, { tasks: 'ask' });
    const r = await run(runTaskTool, { name: 'build' }, ctx);
    expect(ctx.approvals).toEqual([{ kind: 'task', title: 'Run task build', command: 'echo building demo-ws' }]);
    expect(r.output).toMatch(/^task 'build' exited with code 0 after [\d.]+ s\.\nOutput:\nbuilding demo-ws\n$/);
    expect(ctx.chunks.join('')).toBe('building demo-ws\n');
    expect(r).toMatchObject({ isError: false, summary: 'exit 0' });
  });

  it('passes process-task arguments intact, and reports a failing exit code', async () => {
    const ws = workspace();
    expect((await run(runTaskTool, { name: 'list args' }, context(ws.root, { tasks: 'auto' }))).output).toContain(
      '%s|a b|c|'.replace('%s|', ''),
    );
    const fail = await run(runTaskTool, { name: 'fail' }, context(ws.root, { tasks: 'auto' }));
    expect(fail).toMatchObject({ isError: true, summary: 'exit 3' });
    expect(fail.output).toContain('failing');
  });

  it('runs npm scripts by their detected name', async () => {
    const ws = workspace();
    const r = await run(runTaskTool, { name: 'npm: test' }, context(ws.root, { tasks: 'auto' }));
    expect(r.output).toContain('testing');
  });

  it('names the available tasks for an unknown task', async () => {
    const ws = workspace();
    await expectToolError(
      run(runTaskTool, { name: 'deploy' }, context(ws.root, { tasks: 'auto' })),
      'unknown_task',
      /no task named 'deploy'\. Available tasks: 'build', 'list args', 'all', 'fail', 'npm: test', 'npm: lint'\./,
    );
  });

  it('refuses when tasks are off, when untrusted, and reports a rejection', async () => {
    const ws = workspace();
    await expectToolError(
      run(runTaskTool, { name: 'build' }, context(ws.root, { tasks: 'off' })),
      'not_allowed',
      /turned off/,
    );
    await expectToolError(
      run(runTaskTool, { name: 'build' }, context(ws.root, { tasks: 'auto' }, { host: { trusted: false } })),
      'untrusted',
    );
    const r = await run(runTaskTool, { name: 'build' }, context(ws.root, { tasks: 'ask' }, { approve: false }));
    expect(r).toMatchObject({ output: REJECTED_RUN_MESSAGE, isError: true });
  });

  it('bounds a flood of output to its head and tail', async () => {
    const ws = workspace();
    const ctx = context(ws.root, { shell: { enabled: true, allow: ['seq'] }, maxOutputBytes: 4096 });
    const r = await run(runTaskTool, { command: 'seq 1 200000' }, ctx);
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(4096);
    expect(r.output).toMatch(/Output:\n1\n2\n3\n/);
    expect(r.output).toMatch(/\n199999\n200000\n$/);
    expect(r.output).toMatch(
      /\[\.\.\. [\d,]+ bytes \([\d,]+ lines\) cut \.\.\.; the full output is in the terminal panel/,
    );
    expect(ctx.chunks.join('').length).toBeGreaterThan(1_000_000); // the UI saw all of it
    expect(ctx.approvals).toHaveLength(0); // allow-listed
  });
});

describe('run_task: the process tree dies on timeout and cancellation', () => {
  const TREE = 'sleep 1000 & echo $! > pids; (sleep 1000; echo never) & echo $! >> pids; echo started; sleep 1000';

  it('kills the whole tree on timeout', async () => {
    const ws = workspace();
    const ctx = context(ws.root, { shell: { enabled: true, allow: ['sleep'] }, taskTimeoutMs: 800 }, { approve: true });
    const started = Date.now();
    const r = await run(runTaskTool, { command: TREE }, ctx);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ isError: true, summary: 'timed out' });
    expect(r.output).toMatch(/timed out after 1 s and was stopped \(with everything it started\)\.\nOutput:\nstarted/);
    const pids = fs.readFileSync(ws.abs('pids'), 'utf8').trim().split('\n').map(Number);
    pids.push(...ctx.host.startedPids);
    expect(pids.length).toBe(3);
    expect(await waitUntil(() => pids.every((p) => !isAlive(p)))).toBe(true);
    // Nothing is left in the process group.
    expect(await waitUntil(() => liveGroupMembers(ctx.host.startedPids[0]!).length === 0)).toBe(true);
  });

  it('kills the whole tree when cancelled', async () => {
    const ws = workspace();
    const ctx = context(ws.root, { shell: { enabled: true, allow: [] } }, { approve: true });
    const running = run(runTaskTool, { command: TREE }, ctx);
    // Cancelled once the tree exists: the script says "started" after starting both children.
    expect(await waitUntil(() => ctx.chunks.join('').includes('started'))).toBe(true);
    ctx.controller.abort();
    const r = await running;
    expect(r).toMatchObject({ isError: true, summary: 'cancelled' });
    const pids = fs.readFileSync(ws.abs('pids'), 'utf8').trim().split('\n').map(Number);
    expect(await waitUntil(() => [...pids, ...ctx.host.startedPids].every((p) => !isAlive(p)))).toBe(true);
    expect(liveGroupMembers(ctx.host.startedPids[0]!)).toEqual([]);
  });
});

describe('run_task: shell commands', () => {
  it('refuses commands unless shell commands are enabled', async () => {
    const ws = workspace();
    await expectToolError(
      run(runTaskTool, { command: 'ls' }, context(ws.root)),
      'not_allowed',
      /Shell commands are disabled/,
    );
  });

  it('asks before commands outside the allow list, and runs them in the given folder', async () => {
    const ws = workspace();
    ws.write('sub/marker.txt', 'x');
    const ctx = context(ws.root, { shell: { enabled: true, allow: ['npm test'] } });
    const r = await run(runTaskTool, { command: 'ls', cwd: 'sub' }, ctx);
    expect(ctx.approvals).toEqual([{ kind: 'shell', title: 'Run: ls', command: 'ls' }]);
    expect(r.output).toContain('marker.txt');
    await expectToolError(run(runTaskTool, { command: 'ls', cwd: '..' }, ctx), 'outside_workspace');
  });

  it('does not let an allowed prefix cover chained commands', () => {
    expect(isAllowedCommand('npm test', ['npm test'])).toBe(true);
    expect(isAllowedCommand('npm test -- --run', ['npm test'])).toBe(true);
    expect(isAllowedCommand('npm testx', ['npm test'])).toBe(false);
    expect(isAllowedCommand('npm test; rm -rf /', ['npm test'])).toBe(false);
    expect(isAllowedCommand('npm test && curl evil', ['npm test'])).toBe(false);
    expect(isAllowedCommand('npm test $(curl evil)', ['npm test'])).toBe(false);
    expect(isAllowedCommand('npm test | sh', ['npm test'])).toBe(false);
    expect(isAllowedCommand('anything', [''])).toBe(false);
  });

  it('rejects malformed arguments', async () => {
    await expectToolError(
      () => runTaskTool.parse('{"name":"build","command":"ls"}'),
      'invalid_arguments',
      /either name/,
    );
    await expectToolError(() => runTaskTool.parse('{"name":5}'), 'invalid_arguments', /must be a string/);
    await expectToolError(() => runTaskTool.parse('{"task":"build"}'), 'invalid_arguments', /unknown field 'task'/);
  });
});

describe('tasks.json reading', () => {
  it('strips comments and trailing commas but not inside strings', () => {
    expect(JSON.parse(stripJsonComments('{ "a": "http://x//y", /* c */ "b": [1, 2,], // end\n }'))).toEqual({
      a: 'http://x//y',
      b: [1, 2],
    });
  });

  it('resolves labels, variables, process args and composite tasks', async () => {
    const ws = workspace();
    const tasks = await readTasksJson(new NodeFs(), ws.root);
    expect(tasks.map((t) => t.name)).toEqual(['build', 'list args', 'all', 'fail']);
    expect(tasks[0]!.command).toBe('echo building demo-ws');
    expect(tasks[1]!.command).toBe("printf '%s|' 'a b' c");
    expect(tasks[2]!.command).toBeUndefined();
  });
});
