import { describe, expect, it } from 'vitest';
import { planRequest } from '../../src/session/delta.ts';
import type { ChainState } from '../../src/session/delta.ts';
import type { InputItem, OutputItem, ResponseRequest } from '../../src/session/protocol.ts';
import { userMessage } from '../../src/session/protocol.ts';

const tools = [{ type: 'function' as const, name: 'grep', parameters: { type: 'object' }, strict: false }];
const base = { model: 'm', instructions: 'be brief', tools, store: false };
const call = {
  type: 'function_call' as const,
  id: 'fc_1',
  call_id: 'call_1',
  name: 'grep',
  arguments: '{"pattern":"x"}',
  status: 'completed',
};
const output = { type: 'function_call_output' as const, call_id: 'call_1', output: 'a.ts:1:x' };

function chainAfter(input: InputItem[], out: OutputItem[] = [call]): ChainState {
  return { request: { ...base, input }, output: out, responseId: 'resp_1', holder: 'ws:1', contextBytes: 0 };
}

describe('the delta rule', () => {
  it('sends only the new items and previous_response_id when the context continues the chain', () => {
    const first = [userMessage('find x')];
    const plan = planRequest({ ...base, input: [...first, call, output] }, chainAfter(first));
    expect(plan.mode).toBe('delta');
    expect(plan.body.input).toEqual([output]);
    expect(plan.body.previous_response_id).toBe('resp_1');
    expect(plan.body.instructions).toBe('be brief'); // not inherited: sent every time
    expect(plan.body.tools).toBe(tools);
  });

  it('compares items by value, not identity', () => {
    const first = [userMessage('find x')];
    const copy = JSON.parse(JSON.stringify([...first, call, output])) as InputItem[];
    expect(planRequest({ ...base, input: copy }, chainAfter(first)).mode).toBe('delta');
  });

  it('sends the full context when there is no chain', () => {
    const req: ResponseRequest = { ...base, input: [userMessage('hi')] };
    const plan = planRequest(req, undefined);
    expect(plan).toMatchObject({ mode: 'full', reason: 'no_chain' });
    expect(plan.body.previous_response_id).toBeUndefined();
  });

  it('sends the full context when instructions, tools or model changed', () => {
    const first = [userMessage('find x')];
    const input = [...first, call, output];
    expect(planRequest({ ...base, instructions: 'other', input }, chainAfter(first)).reason).toBe('fields_changed');
    expect(planRequest({ ...base, tools: [], input }, chainAfter(first)).reason).toBe('fields_changed');
    expect(planRequest({ ...base, model: 'n', input }, chainAfter(first)).reason).toBe('fields_changed');
  });

  it('ignores generate and previous_response_id when comparing', () => {
    const chain = chainAfter([], []);
    chain.request = { ...chain.request, generate: false } as ResponseRequest;
    const plan = planRequest({ ...base, input: [userMessage('hi')] }, chain);
    expect(plan.mode).toBe('delta');
    expect(plan.body.input).toHaveLength(1);
  });

  it('sends the full context when the transcript was edited or forked', () => {
    const first = [userMessage('find x')];
    const edited = [userMessage('find y'), call, output];
    expect(planRequest({ ...base, input: edited }, chainAfter(first)).reason).toBe('not_a_continuation');
    // Shorter than what the server holds: a fork from earlier.
    expect(planRequest({ ...base, input: first }, chainAfter(first)).reason).toBe('not_a_continuation');
    // The model's output replayed differently (e.g. arguments re-serialised) is not a continuation.
    const altered = [...first, { ...call, arguments: '{"pattern": "x"}' }, output];
    expect(planRequest({ ...base, input: altered }, chainAfter(first)).reason).toBe('not_a_continuation');
  });
});
