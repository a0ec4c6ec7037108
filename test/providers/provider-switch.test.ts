// Issue 18, point 6: a chat begun on OpenAI's API (here the emulator playing it: a custom
// apply_patch call, and reasoning items without `content`) and continued on llama.cpp. That
// server refuses both (400 "Cannot determine type of 'item'", 400 "item['content'] is not an
// array"): the custom call must arrive as a function_call/function_call_output pair, the
// reasoning left out, and the request accepted.
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/server.ts';
import type { Emulator } from '../emulator/types.ts';
import { SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { CustomToolCallItem, FunctionCallItem, InputItem } from '../../src/session/protocol.ts';
import {
  agent,
  describeTraffic,
  inputOf,
  llamaConfig,
  memoryLogger,
  scratchWorkspace,
  SHORT_ANSWERS,
  track,
  useLlama,
  warmlineTools,
} from './helpers.ts';

const llama = useLlama();
const KEY = 'sk-test-provider-switch';

describe('P6: switching provider mid-chat', () => {
  it('sends llama.cpp the custom call as a function call pair, without the reasoning, and the chat goes on', async () => {
    const workspace = scratchWorkspace();
    const emu: Emulator = await startEmulator({ scenario: 'patch', reasoning: true, mode: 'strict', apiKey: KEY });
    const tools = warmlineTools();
    const logger = memoryLogger();
    try {
      // The chat's first request, on the OpenAI-like server: a custom apply_patch call (not
      // approved here, so it gets a "rejected" output), then an answer; a reasoning item each turn.
      const s = track(
        new SessionManager({
          baseUrl: emu.url,
          model: 'emulator-scripted',
          instructions: 'You are a coding agent.',
          tools: tools.definitions(),
          toolFallbacks: tools.fallbacks(),
          getApiKey: async () => KEY,
          transport: 'auto',
          store: false,
          logger,
        }),
        logger,
      );
      await s.start(['chat', 'inline']);
      const loop = agent(s, workspace);
      const transcript: InputItem[] = [userMessage('Change the greeting.')];
      const before = await loop.run(transcript);
      expect(before.error, String(before.error)).toBeUndefined();
      expect(emu.violations).toEqual([]);
      const custom = transcript.find((i) => i.type === 'custom_tool_call') as CustomToolCallItem | undefined;
      const customOutput = transcript.find((i) => i.type === 'custom_tool_call_output') as
        | { call_id: string; output: string }
        | undefined;
      expect(custom?.name).toBe('apply_patch');
      expect(customOutput?.call_id).toBe(custom?.call_id);
      const reasoning = transcript.filter((i) => i.type === 'reasoning');
      expect(reasoning.length).toBeGreaterThan(0);
      expect(reasoning.every((i) => !Array.isArray(i.content))).toBe(true);

      // The user switches to llama.cpp, as the extension applies it: new settings, nothing known
      // of the new endpoint, both lanes reconnected; then the next message in the same chat.
      const proxy = await llama.proxy();
      s.updateConfig({ ...llamaConfig(proxy.baseUrl), ...SHORT_ANSWERS });
      await s.reconnect(['chat', 'inline']);
      transcript.push(userMessage('Now explain what you did.'));
      const after = await loop.run(transcript);
      const traffic = describeTraffic(proxy);
      expect(after.error, `${String(after.error)}\n${traffic}\n${logger.lines.join('\n')}`).toBeUndefined();

      const posts = proxy.responsesPosts();
      expect(posts.length).toBeGreaterThan(0);
      expect(posts[0]!.status, traffic).toBe(200);
      // No request refused for an item (a 400 that is not the previous_response_id refusal).
      expect(
        posts
          .filter((p) => p.status === 400 && !/previous_response_id/.test(p.response))
          .map((p) => p.response.slice(0, 200)),
      ).toEqual([]);

      const input = inputOf(posts[0]!);
      expect(
        input
          .filter((i) => ['custom_tool_call', 'custom_tool_call_output', 'reasoning'].includes(i.type))
          .map((i) => i.type),
      ).toEqual([]);
      const fallback = tools.fallbacks().apply_patch!;
      const call = input.find((i) => i.type === 'function_call' && i.call_id === custom!.call_id) as
        | FunctionCallItem
        | undefined;
      expect(call?.name).toBe(fallback.name);
      expect(JSON.parse(call!.arguments)).toEqual({ [fallback.argument]: custom!.input });
      const output = input.find((i) => i.type === 'function_call_output' && i.call_id === custom!.call_id) as
        | { output?: unknown }
        | undefined;
      expect(output?.output).toBe(customOutput!.output);
      expect(llama.server().log()).not.toMatch(/Cannot determine type|is not an array/);
    } finally {
      await emu.close();
    }
  });
});
