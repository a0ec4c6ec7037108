// Issue 18, point 4: on llama.cpp (no WebSocket mode, no previous_response_id) the session must
// say HTTP from the first turn on, and count every full resend as one.
import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import type { SessionState } from '../../src/session/manager.ts';
import { agent, describeTraffic, llamaSession, scratchWorkspace, SHORT_ANSWERS, useLlama } from './helpers.ts';

const llama = useLlama();

describe('P4: what the session says on llama.cpp', () => {
  it('state, mode and transport say HTTP from the first turn, never WebSocket; every full resend counts as one', async () => {
    const proxy = await llama.proxy();
    const s = llamaSession(proxy.baseUrl, SHORT_ANSWERS);
    const states: SessionState[] = [];
    s.on('state', (state) => states.push(state));
    const loop = agent(s, scratchWorkspace());

    // No start(): the first thing the session does is a turn.
    const transcript: InputItem[] = [userMessage('first question')];
    const seen: Array<{ mode: string; transport: string; state: SessionState }> = [];
    const look = () => seen.push({ mode: s.mode, transport: s.transportInUse, state: s.state });
    // While the first turn streams (each event as it comes), and when it has finished.
    const first = await loop.run(transcript, {}, look);
    expect(first.error, `${String(first.error)}\n${describeTraffic(proxy)}`).toBeUndefined();
    look();
    expect(seen.length).toBeGreaterThan(1);
    for (const v of seen) {
      expect(v.mode).toMatch(/^HTTP/);
      expect(v.transport).toBe('http');
    }

    for (const text of ['second question', 'third question']) {
      transcript.push(userMessage(text));
      const run = await loop.run(transcript);
      expect(run.error, `${String(run.error)}\n${describeTraffic(proxy)}`).toBeUndefined();
      first.metrics.push(...run.metrics);
    }
    look();
    expect(s.mode).toMatch(/^HTTP/);
    expect(s.state).toBe('http');
    expect(states.filter((st) => st === 'warm' || st === 'warming')).toEqual([]);

    const metrics = first.metrics;
    expect(metrics.length).toBeGreaterThanOrEqual(3);
    expect(metrics.every((m) => m.transport === 'http')).toBe(true);
    // The first turn had nothing to resend; every later one is a full resend (llama.cpp refuses
    // previous_response_id), carrying the earlier answers again.
    expect(metrics[0]!.contextResent).toBe(false);
    for (const m of metrics.slice(1)) {
      expect(m.mode).toBe('full');
      expect(m.contextResent).toBe(true);
    }
    // The refusal is learned once: at most one request ever asks to chain.
    expect(proxy.responsesPosts().filter((p) => p.body?.previous_response_id !== undefined).length).toBeLessThanOrEqual(
      1,
    );
  });
});
