// Issue 18, point 3: llama.cpp answers the WebSocket upgrade with 404. That is final: Warmline
// tries the upgrade once per endpoint, not once per turn until a third failure, and a session
// that starts with the learned capabilities does not try it at all.
import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { agent, describeTraffic, llamaSession, scratchWorkspace, SHORT_ANSWERS, useLlama } from './helpers.ts';

const llama = useLlama();

describe('P3: the WebSocket upgrade on llama.cpp', () => {
  it('is attempted once per endpoint over several turns, and not at all by a session with the learned capabilities', async () => {
    const proxy = await llama.proxy();
    const workspace = scratchWorkspace();

    // As the extension does: both lanes warmed at start, then a chat of three requests.
    const s = llamaSession(proxy.baseUrl, SHORT_ANSWERS);
    await s.start(['chat', 'inline']);
    const loop = agent(s, workspace);
    const transcript: InputItem[] = [];
    for (const text of ['first question', 'second question', 'third question']) {
      transcript.push(userMessage(text));
      const run = await loop.run(transcript);
      expect(run.error, `${String(run.error)}\n${describeTraffic(proxy)}`).toBeUndefined();
    }
    expect(proxy.responsesPosts().length).toBeGreaterThanOrEqual(3);
    expect(proxy.upgrades(), describeTraffic(proxy)).toBe(1);
    expect(proxy.records.find((r) => r.upgrade)?.status).toBe(404);
    expect(s.capabilities.websocket).toBe(false);

    proxy.clear();
    const later = llamaSession(proxy.baseUrl, {
      ...SHORT_ANSWERS,
      capabilities: JSON.parse(JSON.stringify(s.capabilities)),
    });
    await later.start(['chat', 'inline']);
    const laterLoop = agent(later, workspace);
    const other: InputItem[] = [];
    for (const text of ['a new chat', 'its second question']) {
      other.push(userMessage(text));
      const run = await laterLoop.run(other);
      expect(run.error, `${String(run.error)}\n${describeTraffic(proxy)}`).toBeUndefined();
    }
    expect(proxy.responsesPosts().length).toBeGreaterThanOrEqual(2);
    expect(proxy.upgrades(), describeTraffic(proxy)).toBe(0);
  });
});
