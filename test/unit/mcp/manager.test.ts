// The MCP client against the test server (test/mcp/server.ts) for real: over stdio (a process the
// manager starts) and over streamable HTTP (a child process), through the tools the model calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { McpServerConfig } from '../../../src/tools/mcp/config.ts';
import { parseServer } from '../../../src/tools/mcp/config.ts';
import { McpManager } from '../../../src/tools/mcp/manager.ts';
import type { McpManagerOptions } from '../../../src/tools/mcp/manager.ts';
import type { McpAutoApprove } from '../../../src/tools/mcp/policy.ts';
import { createToolRegistry } from '../../../src/tools/registry.ts';
import type { Tool } from '../../../src/tools/types.ts';
import { startHttpServer, stdioDefinition } from '../../mcp/helpers.ts';
import type { HttpTestServer } from '../../mcp/helpers.ts';
import { context, expectToolError, isAlive, run, waitUntil } from '../tools/helpers.ts';

const vars = { userHome: '/tmp', env: {} };
const server = (name: string, def: unknown, scope: 'user' | 'workspace' = 'user'): McpServerConfig => ({
  name,
  scope,
  origin: scope === 'user' ? 'user settings' : '.vscode/mcp.json',
  transport: parseServer(def, vars),
});

let http: HttpTestServer;
beforeAll(async () => {
  http = await startHttpServer();
});
afterAll(async () => {
  await http?.close();
});

const managers: McpManager[] = [];
afterEach(async () => {
  while (managers.length) await managers.pop()!.dispose();
});

function manager(options: Partial<McpManagerOptions> & { policy?: McpAutoApprove } = {}) {
  const approved = new Set<string>();
  const asked: string[] = [];
  let changes = 0;
  const m = new McpManager({
    confirmStart: async (s, line) => {
      asked.push(`${s.name}: ${line}`);
      return true;
    },
    approvals: { has: (h) => approved.has(h), add: (h) => void approved.add(h) },
    isTrusted: () => true,
    timeoutMs: () => 60_000,
    autoApprove: () => options.policy ?? {},
    onToolsChanged: () => {
      changes++;
    },
    ...options,
  });
  managers.push(m);
  return { m, asked, changes: () => changes };
}

function tool(m: McpManager, name: string): Tool {
  const t = m.tools([]).find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}: ${m.tools([]).map((x) => x.name)}`);
  return t;
}

describe.each([
  ['stdio', () => stdioDefinition()],
  ['http', () => ({ type: 'http', url: http.url })],
])('MCP client over %s', (kind, def) => {
  it('lists the tools as <server>__<tool> function tools and calls one', async () => {
    const { m } = manager();
    m.configure({ servers: [server('test', def())], errors: [] });
    await m.settled();
    expect(m.status()[0]).toMatchObject({ name: 'test', state: 'ready', type: kind });
    const names = m.tools([]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['test__echo', 'test__progress', 'test__crash', 'test__hang']));
    const echo = tool(m, 'test__echo');
    expect(echo.definition).toMatchObject({
      type: 'function',
      strict: false,
      description: '[MCP server test] Echoes its text back.',
    });
    expect((echo.definition as { parameters: Record<string, unknown> }).parameters).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
    });
    const ctx = context('/tmp');
    const result = await run(echo, { text: 'hi' }, ctx);
    expect(result.output).toBe('echo: hi');
    expect(ctx.approvals).toEqual([
      {
        kind: 'mcp',
        title: 'Run echo on MCP server test',
        command: '{\n  "text": "hi"\n}',
        mcp: { server: 'test', tool: 'echo' },
      },
    ]);
  });

  it('streams progress into the tool card', async () => {
    const { m } = manager({ policy: { test: true } });
    m.configure({ servers: [server('test', def())], errors: [] });
    await m.settled();
    const ctx = context('/tmp');
    const result = await run(tool(m, 'test__progress'), {}, ctx);
    expect(result.output).toBe('all 3 steps done');
    expect(ctx.chunks).toEqual(['step 1 of 3\n', 'step 2 of 3\n', 'step 3 of 3\n']);
    expect(ctx.approvals).toEqual([]); // the server is allowed by the policy
    // Progress and the answer arriving together: the progress is not lost to the answer.
    const burst = context('/tmp');
    await run(tool(m, 'test__progress'), { burst: true }, burst);
    expect(burst.chunks).toEqual(['step 1 of 3\n', 'step 2 of 3\n', 'step 3 of 3\n']);
  });

  it("passes the server's isError on, and summarises images", async () => {
    const { m } = manager({ policy: { test: true } });
    m.configure({ servers: [server('test', def())], errors: [] });
    await m.settled();
    const failed = await run(tool(m, 'test__fail'), {}, context('/tmp'));
    expect(failed).toMatchObject({ isError: true });
    expect(failed.output).toBe('Error: fail on MCP server test reported an error:\nthe widget is broken');
    const image = await run(tool(m, 'test__image'), {}, context('/tmp'));
    expect(image.output).toBe('here is the picture\n[image: image/png, 3 KB]');
  });

  it('a hanging call ends with a timeout error, and the server still answers', async () => {
    // Short for the call only: starting the server and listing its tools take their time on a busy machine.
    let timeoutMs = 60_000;
    const { m } = manager({ policy: { test: true }, timeoutMs: () => timeoutMs });
    m.configure({ servers: [server('test', def())], errors: [] });
    await m.settled();
    timeoutMs = 300;
    await expectToolError(
      run(tool(m, 'test__hang'), {}, context('/tmp')),
      'timeout',
      /did not answer the call to hang within 0 s/,
    );
    expect((await run(tool(m, 'test__echo'), { text: 'still here' }, context('/tmp'))).output).toBe('echo: still here');
  });

  it('Stop cancels a call in progress', async () => {
    const { m } = manager({ policy: { test: true } });
    m.configure({ servers: [server('test', def())], errors: [] });
    await m.settled();
    const ctx = context('/tmp');
    const call = run(tool(m, 'test__hang'), {}, ctx);
    setTimeout(() => ctx.controller.abort(), 50);
    await expectToolError(call, 'cancelled');
  });

  it('list_changed updates the tools', async () => {
    const { m, changes } = manager({ policy: { test: true } });
    m.configure({ servers: [server('test', def())], errors: [] });
    await m.settled();
    const before = changes();
    expect(m.tools([]).some((t) => t.name === 'test__added')).toBe(false);
    await run(tool(m, 'test__add_tool'), {}, context('/tmp'));
    expect(await waitUntil(() => m.tools([]).some((t) => t.name === 'test__added'))).toBe(true);
    expect(changes()).toBeGreaterThan(before);
    expect((await run(tool(m, 'test__added'), {}, context('/tmp'))).output).toBe('the added tool ran');
  });
});

describe('MCP client: stdio processes', () => {
  it('a server crashing mid-call gives a clear error with its stderr, and the next call starts it again', async () => {
    const { m, asked } = manager({ policy: { test: true } });
    m.configure({ servers: [server('test', stdioDefinition())], errors: [] });
    await m.settled();
    const firstPid = m.status()[0]!.pid!;
    const err = await expectToolError(run(tool(m, 'test__crash'), {}, context('/tmp')), 'failed');
    expect(err.message).toMatch(
      /The call to crash failed: MCP server 'test' stopped unexpectedly; its next call starts it again/,
    );
    expect(err.message).toMatch(/fatal: the test server crashes on purpose/);
    expect(m.status()[0]).toMatchObject({ state: 'failed' });
    expect((await run(tool(m, 'test__echo'), { text: 'again' }, context('/tmp'))).output).toBe('echo: again');
    expect(m.status()[0]!.pid).not.toBe(firstPid);
    expect(asked).toHaveLength(1); // approved once: the restart does not ask again
  });

  it('asks once before starting a stdio server; a declined one does not start and says how to start it', async () => {
    const { m, asked } = manager({ confirmStart: async () => false });
    m.configure({ servers: [server('test', stdioDefinition())], errors: [] });
    await m.settled();
    expect(asked).toEqual([]);
    expect(m.status()[0]).toMatchObject({ state: 'declined', pid: undefined });
    expect(m.tools([])).toEqual([]);

    const yes = manager();
    yes.m.configure({ servers: [server('test', stdioDefinition())], errors: [] });
    await yes.m.settled();
    expect(yes.asked).toEqual([expect.stringMatching(/^test: .*node\S* .*test\/mcp\/server\.ts$/)]);
    // The same definition again: not asked again. A changed one: asked again.
    yes.m.configure({ servers: [server('test', stdioDefinition())], errors: [] });
    await yes.m.settled();
    expect(yes.asked).toHaveLength(1);
    yes.m.configure({ servers: [server('test', stdioDefinition({ EXTRA: '1' }))], errors: [] });
    await yes.m.settled();
    expect(yes.asked).toHaveLength(2);
  });

  it('a restricted workspace starts no workspace-defined server, but a user-defined one', async () => {
    const { m, asked } = manager({ isTrusted: () => false, policy: { mine: true } });
    m.configure({
      servers: [server('theirs', stdioDefinition(), 'workspace'), server('mine', stdioDefinition(), 'user')],
      errors: [],
    });
    await m.settled();
    const [theirs, mine] = m.status();
    expect(theirs).toMatchObject({ state: 'refused', pid: undefined });
    expect(theirs!.error).toMatch(
      /defined by this workspace .* not trusted: Warmline starts no workspace-defined MCP server/,
    );
    expect(mine).toMatchObject({ state: 'ready' });
    expect(asked).toEqual([expect.stringMatching(/^mine: /)]);
    expect(m.tools([]).every((t) => t.name.startsWith('mine__'))).toBe(true);
  });

  it('a command that does not exist fails clearly', async () => {
    const { m } = manager();
    m.configure({ servers: [server('nope', { command: '/nonexistent/mcp-server' })], errors: [] });
    await m.settled();
    expect(m.status()[0]).toMatchObject({ state: 'failed' });
    expect(m.status()[0]!.error).toMatch(/MCP server 'nope' could not be started: .*ENOENT/);
  });

  it('dispose stops every server process; a removed server is stopped too', async () => {
    const { m } = manager();
    m.configure({ servers: [server('a', stdioDefinition()), server('b', stdioDefinition())], errors: [] });
    await m.settled();
    const [a, b] = m.status().map((s) => s.pid!);
    expect(isAlive(a!) && isAlive(b!)).toBe(true);
    m.configure({ servers: [server('b', stdioDefinition())], errors: [] });
    expect(await waitUntil(() => !isAlive(a!), 10_000)).toBe(true);
    expect(isAlive(b!)).toBe(true);
    await m.dispose();
    expect(isAlive(b!)).toBe(false);
  });

  it('results are bounded like every tool result, through the registry', async () => {
    const { m } = manager({ policy: { test: true } });
    m.configure({ servers: [server('test', stdioDefinition())], errors: [] });
    await m.settled();
    const registry = createToolRegistry();
    registry.setAddedTools(m.tools(registry.builtInNames()));
    const ctx = context('/tmp', { maxOutputBytes: 4096 });
    const result = await registry.dispatch({ name: 'test__big', raw: '{}' }, ctx);
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(4096);
    expect(result.output).toMatch(/^line 0 /);
    expect(result.output).toMatch(/bytes \([\d,]+ lines\) cut/);
  });
});
