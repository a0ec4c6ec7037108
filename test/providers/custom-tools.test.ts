// Issue 18, point 1: llama.cpp silently skips tools of type `custom`, so Warmline must offer
// apply_patch there as its function twin apply_patch_json, and decide it once per endpoint.
import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/session/protocol.ts';
import type { ToolDefinition } from '../../src/session/protocol.ts';
import { agent, describeTraffic, llamaSession, scratchWorkspace, SHORT_ANSWERS, useLlama } from './helpers.ts';

const llama = useLlama();

function toolsOf(body: Record<string, unknown> | undefined): ToolDefinition[] {
  return Array.isArray(body?.tools) ? (body.tools as ToolDefinition[]) : [];
}

describe('P1: custom tools on llama.cpp', () => {
  it('sends no custom tool, offers apply_patch_json, and a session with the cached capabilities decides the same at once', async () => {
    const proxy = await llama.proxy();
    const workspace = scratchWorkspace();

    const s = llamaSession(proxy.baseUrl, SHORT_ANSWERS);
    const emitted: unknown[] = [];
    s.on('capabilities', (c) => emitted.push(c));
    await s.start(['chat', 'inline']);
    const run = await agent(s, workspace).run([userMessage('Change the greeting to say hello to the world.')]);
    expect(run.error, `${String(run.error)}\n${describeTraffic(proxy)}`).toBeUndefined();

    const posts = proxy.responsesPosts();
    expect(posts.length).toBeGreaterThan(0);
    for (const post of posts) {
      const tools = toolsOf(post.body);
      expect(tools.filter((t) => t.type !== 'function').map((t) => `${t.type} ${t.name}`)).toEqual([]);
      expect(tools.map((t) => t.name)).toContain('apply_patch_json');
      expect(tools.map((t) => t.name)).not.toContain('apply_patch');
    }
    expect(llama.server().log()).not.toMatch(/unsupported Responses tool type/);

    // What the extension keeps per endpoint is what the session emitted; it says nothing of
    // custom tools being taken.
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.at(-1)).toEqual(s.capabilities);
    const cached = JSON.parse(JSON.stringify(s.capabilities)) as typeof s.capabilities;
    expect(cached.toolTypes?.custom).not.toBe(true);

    // A later session on the same endpoint with the cached capabilities: no detection again (no
    // upgrade attempt), and its very first request already offers the function twin only.
    proxy.clear();
    const again = llamaSession(proxy.baseUrl, { ...SHORT_ANSWERS, capabilities: cached });
    await again.start(['chat', 'inline']);
    const second = await agent(again, workspace).run([userMessage('And once more.')]);
    expect(second.error, `${String(second.error)}\n${describeTraffic(proxy)}`).toBeUndefined();
    expect(proxy.upgrades()).toBe(0);
    const first = proxy.records[0];
    expect(first?.method).toBe('POST');
    const tools = toolsOf(first?.body);
    expect(tools.some((t) => t.type === 'custom')).toBe(false);
    expect(tools.map((t) => t.name)).toContain('apply_patch_json');
  });
});
