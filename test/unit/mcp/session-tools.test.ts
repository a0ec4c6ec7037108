// MCP tools come and go while a chat runs: the session must then send the next request in full
// (the server's cached chain was built with the old tool list), and go back to deltas after.
import { describe, expect, it } from 'vitest';
import { chainScenario } from '../../emulator/scenario.ts';
import type { ToolDefinition } from '../../../src/session/protocol.ts';
import { TEST_TOOLS, modelRequests, runChain, useSessions } from '../session-helpers.ts';

const setup = useSessions();

const MCP_TOOL: ToolDefinition = {
  type: 'function',
  name: 'test__echo',
  description: '[MCP server test] Echoes its text back.',
  strict: false,
  parameters: { type: 'object', properties: { text: { type: 'string' } } },
};

describe('tools changing mid-chain', () => {
  it('a tools change makes the next request a full one, then deltas resume', async () => {
    const { emu, s } = await setup({ scenario: chainScenario(3) });
    await s.start();
    const run = await runChain(s, 'go', {
      between: (turn) => {
        if (turn === 1) s.updateConfig({ tools: [...TEST_TOOLS, MCP_TOOL] });
      },
    });
    expect(run.metrics.map((m) => m.mode)).toEqual(['delta', 'full', 'delta', 'delta']);
    const sent = modelRequests(emu);
    expect((sent[0]!.body.tools as ToolDefinition[]).map((t) => t.name)).not.toContain('test__echo');
    expect((sent[1]!.body.tools as ToolDefinition[]).map((t) => t.name)).toContain('test__echo');
    expect(sent[1]!.previousResponseId).toBeUndefined();
    expect(sent[2]!.previousResponseId).toBe(sent[1]!.responseId);
    expect(emu.violations).toEqual([]);
  });
});
