// Issue 18, point 2: llama.cpp says `completed` even when max_output_tokens ended the output
// inside a function call's arguments. Sent back raw, such a call gets 500 "Failed to parse tool
// call arguments as JSON" on every later request. Warmline must never send it back raw: the next
// request carries no such call, or one with valid JSON arguments and an output telling the
// model its call was cut off; and the chat goes on.
import { describe, expect, it } from 'vitest';
import { userMessage } from '../../src/session/protocol.ts';
import type { FunctionCallItem, InputItem } from '../../src/session/protocol.ts';
import { FORCE_TOOL_CALL } from './llama-server.ts';
import {
  agent,
  completedResponse,
  describeTraffic,
  inputOf,
  isJson,
  llamaSession,
  scratchWorkspace,
  useLlama,
} from './helpers.ts';
import type { AgentRun } from './helpers.ts';

const llama = useLlama();

describe('P2: a tool call cut off by the output limit', () => {
  it('is never sent back raw, the model is told, and the chat goes on without a 5xx', async () => {
    const proxy = await llama.proxy();
    // Every turn is made to call a tool (tool_choice "required" and the biases), with an output
    // limit that usually ends the output inside the call's arguments.
    const s = llamaSession(proxy.baseUrl, { requestExtras: { ...FORCE_TOOL_CALL, max_output_tokens: 60 } });
    const loop = agent(s, scratchWorkspace());
    const transcript: InputItem[] = [];
    const runs: AgentRun[] = [];

    /** Calls whose arguments the server sent as cut-off JSON, with the index of the request that got them. */
    const cutCalls = () =>
      proxy
        .responsesPosts()
        .flatMap((post, i) =>
          (completedResponse(post)?.output ?? [])
            .filter(
              (item): item is FunctionCallItem =>
                item.type === 'function_call' && !isJson((item as FunctionCallItem).arguments),
            )
            .map((call) => ({ call, request: i })),
        );
    // Random weights: where the call starts varies. Ask again until a cut-off call was answered
    // by at least one later request (each user message lets the loop run up to 2 calls).
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cut = cutCalls()[0];
      if (cut && proxy.responsesPosts().length > cut.request + 1) break;
      transcript.push(userMessage(`Request ${attempt}: look around the project.`));
      runs.push(await loop.run(transcript, { maxToolCalls: 2 }));
    }
    const traffic = describeTraffic(proxy);
    const posts = proxy.responsesPosts();
    const cuts = cutCalls();
    console.log(
      `[P2] ${cuts.length} cut-off call(s) in ${posts.length} requests, after ${runs.length} user message(s)`,
    );
    expect(cuts.length, `no cut-off call was produced:\n${traffic}`).toBeGreaterThan(0);
    expect(posts.length).toBeGreaterThan(cuts[0]!.request + 1);

    for (const { call, request } of cuts) {
      for (const later of posts.slice(request + 1)) {
        const input = inputOf(later);
        const sent = input.filter(
          (i) => i.type === 'function_call' && i.call_id === call.call_id,
        ) as FunctionCallItem[];
        for (const item of sent) {
          expect(isJson(item.arguments), `the cut-off call ${call.call_id} was sent back raw: ${item.arguments}`).toBe(
            true,
          );
          const output = input.find((i) => i.type === 'function_call_output' && i.call_id === call.call_id) as
            | { output?: unknown }
            | undefined;
          expect(output, `no output for ${call.call_id}`).toBeDefined();
          expect(String(output?.output)).toMatch(/cut off|truncated|output limit/i);
        }
      }
    }
    expect(
      proxy.records
        .filter((r) => (r.status ?? 0) >= 500)
        .map((r) => `${r.path} ${r.status}: ${r.response.slice(0, 200)}`),
    ).toEqual([]);
    for (let i = 1; i < posts.length; i++) {
      expect(posts[i]!.raw === posts[i - 1]!.raw, `requests ${i - 1} and ${i} are identical:\n${traffic}`).toBe(false);
    }
    expect(runs.map((r) => (r.error === undefined ? 'ok' : String(r.error)))).toEqual(runs.map(() => 'ok'));
  });
});
