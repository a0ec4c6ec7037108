// The inline edit's fallback when no text deltas streamed: the message's text goes into the
// editor (here through the same code-block extraction inline-edits.ts uses), never its JSON.
import { describe, expect, it } from 'vitest';
import { codeFromStream } from '../../src/agent/suggestion.ts';
import type { OutputItem } from '../../src/session/protocol.ts';
import { inlineReply } from '../../src/ui/inline-reply.ts';

const message = (...content: Array<Record<string, unknown>>): OutputItem =>
  ({ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content }) as OutputItem;

describe('inline edit reply text', () => {
  it('uses what streamed when deltas came', () => {
    expect(inlineReply('```js\nconst a = 1;\n```', [message({ type: 'output_text', text: 'ignored' })])).toEqual({
      text: '```js\nconst a = 1;\n```',
    });
  });

  it('with no deltas, takes the text of the message items, not their JSON', () => {
    const output: OutputItem[] = [
      { type: 'reasoning', id: 'rs_1', summary: [] } as OutputItem,
      message(
        { type: 'output_text', text: '```js\nconst a = 2;\n', annotations: [] },
        { type: 'output_text', text: '```\n', annotations: [] },
      ),
    ];
    const reply = inlineReply('', output);
    expect(reply).toEqual({ text: '```js\nconst a = 2;\n```\n' });
    expect(codeFromStream(reply.text, true)).toEqual(['const a = 2;']);
    expect(reply.text).not.toContain('"type"');
  });

  it('says a refusal instead of writing anything', () => {
    expect(inlineReply('', [message({ type: 'refusal', refusal: 'I cannot help with that.' })])).toEqual({
      text: '',
      refusal: 'I cannot help with that.',
    });
    expect(inlineReply('', [])).toEqual({ text: '' });
  });
});
