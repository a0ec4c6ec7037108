// MCP servers in the real VS Code: the test MCP server (test/mcp/server.ts) over stdio and over
// streamable HTTP, its tools called by the scripted model through the chat, with the approvals a
// user would give (answered through the extension's API, as tools.test.ts does).
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import type { McpServerConfig } from '../../src/tools/mcp/config.ts';
import { startHttpServer, stdioDefinition } from '../mcp/helpers.ts';
import type { HttpTestServer } from '../mcp/helpers.ts';
import { waitFor } from './helpers.ts';
import { chat, resetSettings, setSettings, stopEmulator, useEmulator, warmline } from './warmline.ts';

const SCRIPT = path.resolve(__dirname, '../../../test/mcp/server.ts');
const mcpConfig = () => vscode.workspace.getConfiguration('warmline.mcp');

async function toolOutputs(): Promise<string[]> {
  const api = await warmline();
  return api.chat
    .conversation!.transcript.filter((i) => i.type === 'function_call_output')
    .map((i) => String((i as { output: unknown }).output));
}

async function serverReady(name: string): Promise<void> {
  const api = await warmline();
  await waitFor(
    () => api.mcp.manager.status().find((s) => s.name === name)?.state === 'ready',
    20_000,
    `MCP server ${name} to be ready (${JSON.stringify(api.mcp.manager.status())})`,
  );
}

const callScenario = (name: string, args: Record<string, unknown> = {}) => ({
  name: `mcp-${name}`,
  turns: [{ calls: [{ name, arguments: args }] }, { text: 'The MCP tool has answered.' }],
});

describe('MCP servers in VS Code', () => {
  let http: HttpTestServer;
  let asked: string[];
  let original: (s: McpServerConfig, line: string) => Promise<boolean>;
  before(async () => {
    http = await startHttpServer(SCRIPT);
    const api = await warmline();
    original = api.mcp.confirmStart;
    api.mcp.confirmStart = async (s, line) => {
      asked.push(`${s.name}: ${line}`);
      return true;
    };
  });
  beforeEach(() => {
    asked = [];
  });
  afterEach(async () => {
    await stopEmulator();
    await resetSettings(); // the next suites start from the fixture's settings, not this one's emulator
    for (const key of ['servers', 'autoApprove']) {
      await mcpConfig().update(key, undefined, vscode.ConfigurationTarget.Workspace);
      await mcpConfig().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
  });
  after(async () => {
    (await warmline()).mcp.confirmStart = original;
    await http?.close();
  });

  it('the agent calls a stdio server tool: the start is asked once, the call is approved first', async () => {
    const api = await warmline();
    await setSettings({ 'mcp.servers': { local: stdioDefinition({}, SCRIPT) } });
    await serverReady('local');
    assert.deepEqual(asked, [`local: ${process.execPath} ${SCRIPT}`]);
    const emu = await useEmulator(callScenario('local__echo', { text: 'from the chat' }));
    const done = chat('Echo something');
    const pending = (await waitFor(() => api.chat.pendingApproval(), 10_000, 'the approval request'))!;
    const card = api.chat
      .entries()
      .flatMap((e) => (e.kind === 'assistant' ? e.tools : []))
      .find((c) => c.id === pending)!;
    assert.equal(card.status, 'awaiting_approval');
    assert.deepEqual(card.approval, {
      kind: 'mcp',
      title: 'Run echo on MCP server local',
      command: '{\n  "text": "from the chat"\n}',
    });
    api.chat.resolveApproval(pending, true);
    await done;
    assert.deepEqual(await toolOutputs(), ['echo: from the chat']);
    const offered = (emu.requests.find((r) => r.generate !== false)!.body.tools as Array<{ name: string }>).map(
      (t) => t.name,
    );
    assert.ok(offered.includes('local__echo'), `local__echo offered to the model (${offered.join(', ')})`);
    assert.equal(asked.length, 1, 'the start was asked once');
  });

  it('the agent calls a streamable-HTTP server tool; "always allow this tool" is written to user settings', async () => {
    const api = await warmline();
    await setSettings({ 'mcp.servers': { remote: { type: 'http', url: http.url } } });
    await serverReady('remote');
    assert.deepEqual(asked, [], 'an HTTP server starts nothing: nothing to ask');
    await useEmulator(callScenario('remote__progress'));
    const done = chat('Show progress');
    const pending = (await waitFor(() => api.chat.pendingApproval(), 10_000, 'the approval request'))!;
    api.chat.resolveApproval(pending, true, 'tool');
    await done;
    assert.deepEqual(await toolOutputs(), ['all 3 steps done']);
    const card = api.chat.entries().flatMap((e) => (e.kind === 'assistant' ? e.tools : []))[0]!;
    assert.equal(card.status, 'done');
    assert.match(card.output, /step 1 of 3\nstep 2 of 3\nstep 3 of 3/);
    await waitFor(
      () => JSON.stringify(mcpConfig().inspect('autoApprove')?.globalValue) === '{"remote":["progress"]}',
      5000,
      'the autoApprove user setting',
    );
  });

  it('a server crashing mid-call gives the model a clear tool error, and the turn ends', async () => {
    const api = await warmline();
    await setSettings({ 'mcp.servers': { local: stdioDefinition({}, SCRIPT) }, 'mcp.autoApprove': { local: true } });
    await serverReady('local');
    await useEmulator(callScenario('local__crash'));
    await chat('Crash it');
    const [output] = await toolOutputs();
    assert.match(output!, /The call to crash failed: MCP server 'local' stopped unexpectedly/);
    assert.match(output!, /fatal: the test server crashes on purpose/);
    const card = api.chat.entries().flatMap((e) => (e.kind === 'assistant' ? e.tools : []))[0]!;
    assert.equal(card.status, 'error');
    assert.equal(api.chat.busy, false);
  });

  it('package.json restricts the MCP settings in an untrusted workspace', () => {
    const ext = vscode.extensions.getExtension('warmline.warmline')!;
    const restricted: string[] = ext.packageJSON.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.ok(restricted.includes('warmline.mcp.servers') && restricted.includes('warmline.mcp.autoApprove'));
  });
});
