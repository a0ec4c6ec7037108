// Responses emulator (a test double of the API, not AI): turns a scripted turn into output
// items and the exact event sequence of docs/protocol.md §3. The whole stream is built up front so
// faults can cut, stall or corrupt it at a precise event.

import { randomBytes } from 'node:crypto';
import type { TurnScript } from './scenario.ts';
import type { OutputItem, ResponseObject, ServerEvent, Usage } from './types.ts';
import { jsonBytes, tokensFor } from './context.ts';
import { sealBlob } from './fidelity.ts';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(prefix === 'call' ? 12 : 24).toString('hex')}`;
}

// Deterministic "realistic" chunk sizes (3-12 chars) so tests are reproducible.
const CHUNK_SIZES = [4, 7, 3, 9, 5, 12, 6, 8, 10, 3, 11, 5];

export function chunk(text: string): string[] {
  const out: string[] = [];
  for (let i = 0, k = 0; i < text.length; k++) {
    const n = CHUNK_SIZES[k % CHUNK_SIZES.length] ?? 5;
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

export interface PlanOptions {
  /** include contains "reasoning.encrypted_content": reasoning items carry an opaque blob. */
  encryptedReasoning: boolean;
}

/** Final (completed) output items for a script, with fresh ids. */
export function planOutput(script: TurnScript, opts: PlanOptions): OutputItem[] {
  const items: OutputItem[] = [];
  if (script.reasoning) {
    const id = newId('rs');
    const firstCall = script.calls?.[0]?.name;
    const text = `**Scripted reasoning (emulator, not AI)** ${firstCall ? `Next step: call ${firstCall}.` : 'Next step: answer.'}`;
    items.push({
      type: 'reasoning',
      id,
      summary: [{ type: 'summary_text', text }],
      ...(opts.encryptedReasoning ? { encrypted_content: sealBlob('reasoning', id) } : {}),
    });
  }
  if (script.text !== undefined) {
    items.push({
      type: 'message',
      id: newId('msg'),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: script.text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of script.calls ?? []) {
    if (call.type === 'custom') {
      items.push({
        type: 'custom_tool_call',
        id: newId('ctc'),
        call_id: newId('call'),
        name: call.name,
        input: call.input ?? '',
      });
    } else {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
      items.push({
        type: 'function_call',
        id: newId('fc'),
        call_id: newId('call'),
        name: call.name,
        arguments: args,
        status: 'completed',
      });
    }
  }
  return items;
}

/** The turn cut short by max_output_tokens: the first half of its text, nothing else. */
export function truncateForIncomplete(items: OutputItem[]): OutputItem[] {
  const msg = items.find((i) => i.type === 'message');
  const full =
    msg?.type === 'message' ? (msg.content[0]?.text ?? '') : 'The scripted answer was cut short by the emulator.';
  const text = full.slice(0, Math.max(1, Math.floor(full.length / 2)));
  return [
    {
      type: 'message',
      id: msg?.id ?? newId('msg'),
      status: 'incomplete',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    },
  ];
}

export type Ending = { kind: 'completed' } | { kind: 'incomplete' } | { kind: 'failed'; message: string };

export interface UsageInput {
  inputBytes: number;
  cachedBytes: number;
  /** From the prompt cache, when it has more than the connection's own cache. */
  cachedTokens?: number;
}

export function usageFor(u: UsageInput, output: OutputItem[]): Usage {
  const input = tokensFor(u.inputBytes);
  const out = output.length === 0 ? 0 : tokensFor(jsonBytes(output));
  const reasoning = output.filter((i) => i.type === 'reasoning').reduce((n, i) => n + tokensFor(jsonBytes(i)), 0);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: Math.min(input, Math.max(tokensFor(u.cachedBytes), u.cachedTokens ?? 0)) },
    output_tokens: out,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + out,
  };
}

/** All events of one response, sequence_number from 0, ending in exactly one terminal event. */
export function buildEvents(
  base: ResponseObject,
  items: OutputItem[],
  ending: Ending,
  usage: UsageInput,
): { events: ServerEvent[]; final: ResponseObject } {
  const events: ServerEvent[] = [];
  const push = (e: ServerEvent): void => {
    events.push({ ...e, sequence_number: events.length });
  };
  const snapshot = (): ResponseObject => ({ ...base, status: 'in_progress', output: [], usage: null });
  push({ type: 'response.created', response: snapshot() });
  push({ type: 'response.in_progress', response: snapshot() });

  if (ending.kind === 'failed') {
    const final: ResponseObject = {
      ...base,
      status: 'failed',
      error: { code: 'server_error', message: ending.message },
      output: [],
      usage: usageFor(usage, []),
    };
    push({ type: 'response.failed', response: final });
    return { events, final };
  }

  items.forEach((item, outputIndex) => {
    streamItem(push, item, outputIndex);
  });
  const final: ResponseObject = {
    ...base,
    status: ending.kind,
    incomplete_details: ending.kind === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    output: items,
    usage: usageFor(usage, items),
  };
  push({ type: ending.kind === 'completed' ? 'response.completed' : 'response.incomplete', response: final });
  return { events, final };
}

function streamItem(push: (e: ServerEvent) => void, item: OutputItem, output_index: number): void {
  const item_id = item.id;
  switch (item.type) {
    case 'message': {
      const text = item.content[0]?.text ?? '';
      push({ type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', content: [] } });
      const part = { type: 'output_text', text: '', annotations: [] };
      push({ type: 'response.content_part.added', item_id, output_index, content_index: 0, part });
      for (const delta of chunk(text)) {
        push({ type: 'response.output_text.delta', item_id, output_index, content_index: 0, delta, logprobs: [] });
      }
      push({ type: 'response.output_text.done', item_id, output_index, content_index: 0, text, logprobs: [] });
      push({ type: 'response.content_part.done', item_id, output_index, content_index: 0, part: { ...part, text } });
      break;
    }
    case 'function_call':
      push({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, arguments: '', status: 'in_progress' },
      });
      for (const delta of chunk(item.arguments)) {
        push({ type: 'response.function_call_arguments.delta', item_id, output_index, delta });
      }
      push({
        type: 'response.function_call_arguments.done',
        item_id,
        output_index,
        name: item.name,
        arguments: item.arguments,
      });
      break;
    case 'custom_tool_call':
      push({ type: 'response.output_item.added', output_index, item: { ...item, input: '' } });
      for (const delta of chunk(item.input)) {
        push({ type: 'response.custom_tool_call_input.delta', item_id, output_index, delta });
      }
      push({ type: 'response.custom_tool_call_input.done', item_id, output_index, input: item.input });
      break;
    case 'compaction':
      push({ type: 'response.compaction.compacting', output_index });
      push({ type: 'response.output_item.added', output_index, item });
      break;
    case 'reasoning': {
      const text = item.summary[0]?.text ?? '';
      const { encrypted_content: _omit, ...bare } = item;
      push({ type: 'response.output_item.added', output_index, item: { ...bare, summary: [] } });
      const part = { type: 'summary_text', text: '' };
      push({ type: 'response.reasoning_summary_part.added', item_id, output_index, summary_index: 0, part });
      for (const delta of chunk(text)) {
        push({ type: 'response.reasoning_summary_text.delta', item_id, output_index, summary_index: 0, delta });
      }
      push({ type: 'response.reasoning_summary_text.done', item_id, output_index, summary_index: 0, text });
      push({
        type: 'response.reasoning_summary_part.done',
        item_id,
        output_index,
        summary_index: 0,
        part: { ...part, text },
      });
      break;
    }
  }
  push({ type: 'response.output_item.done', output_index, item });
}
