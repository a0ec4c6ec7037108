// Issue 18, point 5: nothing listening (a local server not started) is said as such, naming the
// address, not as "this server does not speak the Responses API".
import { describe, expect, it } from 'vitest';
import { SessionError } from '../../src/session/errors.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { SessionState } from '../../src/session/manager.ts';
import { freePort } from './llama-server.ts';
import { llamaSession } from './helpers.ts';

describe('P5: nothing listening', () => {
  it('fails with connection_refused, naming the URL and asking whether the server is running', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const s = llamaSession(`${origin}/v1`);
    const states: Array<[SessionState, string | undefined]> = [];
    s.on('state', (state, detail) => states.push([state, detail]));

    const err: unknown = await s.respond([userMessage('hello')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SessionError);
    const e = err as SessionError;
    expect(e.code).toBe('connection_refused');
    expect(e.message).toContain(origin);
    expect(e.message).toMatch(/is the server running\?/i);
    expect(e.message).not.toMatch(/does not speak the Responses API/);

    // The status says the same.
    const last = states.at(-1);
    expect(last?.[0]).toBe('error');
    expect(last?.[1]).toContain(origin);
  });
});
