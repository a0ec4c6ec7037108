import { describe, expect, it } from 'vitest';
import type { McpAutoApprove } from '../../../src/tools/mcp/policy.ts';
import { allowInPolicy, mcpAllowed, readAutoApprove } from '../../../src/tools/mcp/policy.ts';
import { mcpTool, mcpToolName, resultText, sanitiseSchema } from '../../../src/tools/mcp/tools.ts';
import type { McpCaller } from '../../../src/tools/mcp/tools.ts';
import { ToolRegistry, workspaceTools } from '../../../src/tools/registry.ts';
import { context, expectToolError, run } from '../tools/helpers.ts';

describe('MCP tool names', () => {
  it('are <server>__<tool>, sanitised to [a-zA-Z0-9_-], at most 64 characters, unique', () => {
    const taken = new Set(['read_file']);
    expect(mcpToolName('git hub', 'search.issues', taken)).toBe('git_hub__search_issues');
    const long = mcpToolName('s'.repeat(40), 't'.repeat(40), taken);
    expect(long).toMatch(/^s{40}__t+_[0-9a-z]+$/);
    expect(long.length).toBe(64);
    expect(mcpToolName('s'.repeat(40), 't'.repeat(41), taken)).not.toBe(long); // the hash tells them apart
    // 'a b' and 'a.b' both sanitise to a_b: the second one gets a suffix.
    const first = mcpToolName('srv', 'a b', taken);
    taken.add(first);
    expect(mcpToolName('srv', 'a.b', taken)).toBe('srv__a_b_2');
    expect(mcpToolName('read', 'file', new Set(['read__file']))).toBe('read__file_2');
  });
});

describe('MCP schemas and results', () => {
  it('makes any input schema an object schema', () => {
    expect(sanitiseSchema(undefined)).toEqual({ type: 'object', properties: {} });
    expect(sanitiseSchema({ type: 'string' })).toEqual({ type: 'object', properties: {} });
    expect(
      sanitiseSchema({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { a: { type: 'number' } },
        required: ['a'],
        additionalProperties: false,
      }),
    ).toEqual({ type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false });
    expect(sanitiseSchema({ properties: 3, required: 'a' })).toEqual({ type: 'object', properties: {} });
  });

  it('joins text and summarises everything else', () => {
    expect(
      resultText({
        content: [
          { type: 'text', text: 'one' },
          { type: 'image', mimeType: 'image/png', data: Buffer.alloc(12 * 1024).toString('base64') },
          { type: 'audio', mimeType: 'audio/wav', data: 'AAAA' },
          { type: 'resource_link', uri: 'file:///a.txt', name: 'a' },
          { type: 'resource', resource: { uri: 'mem://x', text: 'inline text' } },
          { type: 'resource', resource: { uri: 'mem://y', mimeType: 'application/zip', blob: 'AAAA' } },
          { type: 'hologram' },
        ],
      }),
    ).toBe(
      [
        'one',
        '[image: image/png, 12 KB]',
        '[audio: audio/wav, 3 B]',
        '[resource link: file:///a.txt (a)]',
        '[resource: mem://x]\ninline text',
        '[resource: mem://y, application/zip, 3 B]',
        '[hologram content]',
      ].join('\n'),
    );
    expect(resultText({ content: [], structuredContent: { n: 1 } })).toBe('{"n":1}');
  });
});

describe('MCP approval policy', () => {
  const caller = (policy: Record<string, boolean | string[]>): McpCaller & { calls: number } => {
    const c = {
      calls: 0,
      autoApprove: () => policy,
      call: async () => {
        c.calls++;
        return { content: [{ type: 'text', text: 'ran' }] };
      },
    };
    return c;
  };
  const info = { name: 'deploy', description: 'Deploys.', inputSchema: { type: 'object' } };

  it('asks by default, and a rejection runs nothing', async () => {
    const c = caller({});
    const tool = mcpTool('prod', info, 'prod__deploy', c);
    const ctx = context('/tmp', {}, { approve: false });
    await expectToolError(run(tool, { env: 'x' }, ctx), 'rejected', /declined to run deploy on MCP server prod/);
    expect(ctx.approvals[0]).toMatchObject({ kind: 'mcp', title: 'Run deploy on MCP server prod' });
    expect(c.calls).toBe(0);
  });

  it('runs without asking when the server, or this tool, is allowed', async () => {
    for (const policy of [{ prod: true }, { prod: ['deploy'] }]) {
      const c = caller(policy);
      const ctx = context('/tmp', {}, { approve: false });
      expect((await run(mcpTool('prod', info, 'prod__deploy', c), {}, ctx)).output).toBe('ran');
      expect(ctx.approvals).toEqual([]);
    }
    for (const policy of [{ prod: false }, { prod: ['other'] }, { staging: true }] as McpAutoApprove[]) {
      const ctx = context('/tmp', {}, { approve: false });
      await expectToolError(run(mcpTool('prod', info, 'prod__deploy', caller(policy)), {}, ctx), 'rejected');
      expect(ctx.approvals).toHaveLength(1);
    }
  });

  it('"always allow" adds to the setting; bad setting values are ignored', () => {
    expect(allowInPolicy({}, 'a', 't1')).toEqual({ a: ['t1'] });
    expect(allowInPolicy({ a: ['t1'] }, 'a', 't2')).toEqual({ a: ['t1', 't2'] });
    expect(allowInPolicy({ a: ['t1'] }, 'a')).toEqual({ a: true });
    expect(allowInPolicy({ a: true }, 'a', 't')).toEqual({ a: true });
    expect(readAutoApprove({ a: true, b: ['x', 3], c: 'yes' })).toEqual({ a: true, b: ['x'] });
    expect(readAutoApprove('nope')).toEqual({});
    expect(mcpAllowed({ a: ['x'] }, 'a', 'x')).toBe(true);
  });

  it('bad arguments are an invalid_arguments error', async () => {
    const tool = mcpTool('prod', info, 'prod__deploy', caller({ prod: true }));
    expect(() => tool.parse('[1]')).toThrow(/must be a JSON object/);
    expect(() => tool.parse('{')).toThrow(/must be a JSON object/);
    expect(tool.parse('')).toEqual({});
    expect(tool.describe({ env: 'prod' })).toBe('prod: deploy {"env":"prod"}');
  });
});

describe('ToolRegistry: added tools', () => {
  it('adds and replaces the MCP tools, keeps the built-in ones, and says whether anything changed', () => {
    const registry = new ToolRegistry(workspaceTools());
    const builtIn = registry.names();
    const c = { autoApprove: () => ({}), call: async () => ({}) };
    const a = mcpTool('s', { name: 'a' }, 's__a', c);
    const b = mcpTool('s', { name: 'b' }, 's__b', c);
    expect(registry.setAddedTools([a, b])).toBe(true);
    expect(registry.names()).toEqual([...builtIn, 's__a', 's__b']);
    expect(registry.setAddedTools([a, b])).toBe(false);
    expect(registry.setAddedTools([b])).toBe(true);
    expect(registry.names()).toEqual([...builtIn, 's__b']);
    expect(registry.builtInNames()).toEqual(builtIn);
    expect(() => registry.setAddedTools([{ ...a, name: 'read_file' }])).toThrow(/duplicate tool read_file/);
  });
});
