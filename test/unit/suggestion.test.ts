import { describe, expect, it } from 'vitest';
import { SuggestionModel, codeFromStream } from '../../src/agent/suggestion.ts';

const original = ['function add(a, b) {', '  return a - b;', '}', '', 'export { add };'];
const proposed = ['function add(a, b) {', '  // sum', '  return a + b;', '}', '', 'export { add, add as plus };'];

describe('inline suggestion model', () => {
  it('lays out pending hunks as removed lines followed by added lines', () => {
    const m = new SuggestionModel(original);
    m.update(proposed, true);
    expect(m.hunks()).toHaveLength(2);
    expect(m.layout().map((l) => `${l.kind[0]} ${l.text}`)).toEqual([
      's function add(a, b) {',
      'r   return a - b;',
      'a   // sum',
      'a   return a + b;',
      's }',
      's ',
      'r export { add };',
      'a export { add, add as plus };',
    ]);
  });

  it('accepting one hunk and rejecting the other gives exactly that text', () => {
    const m = new SuggestionModel(original);
    m.update(proposed, true);
    m.decide(0, 'accepted');
    expect(m.settled).toBe(false);
    m.decide(1, 'rejected');
    expect(m.settled).toBe(true);
    expect(m.result()).toEqual(['function add(a, b) {', '  // sum', '  return a + b;', '}', '', 'export { add };']);
  });

  it('rejecting everything gives back the original, line for line', () => {
    const m = new SuggestionModel(original);
    m.update(proposed, true);
    m.decideAll('rejected');
    expect(m.result()).toEqual(original);
    expect(m.layout().every((l) => l.kind === 'same')).toBe(true);
  });

  it('while streaming, the part of the original not reached yet is not shown as removed', () => {
    const m = new SuggestionModel(original);
    m.update(proposed.slice(0, 2), false);
    const kinds = m.layout().map((l) => l.kind);
    expect(kinds.filter((k) => k === 'removed')).toHaveLength(0);
    expect(kinds.filter((k) => k === 'added')).toHaveLength(1);
    expect(m.settled).toBe(false);
    m.update(proposed, true);
    expect(m.layout().filter((l) => l.kind === 'removed')).toHaveLength(2);
  });

  it('keeps decisions when the proposal grows', () => {
    const m = new SuggestionModel(['a', 'b', 'c']);
    m.update(['A', 'b'], false);
    m.decide(0, 'accepted');
    m.update(['A', 'b', 'C'], true);
    expect(m.hunks().map((h) => h.decision)).toEqual(['accepted', 'pending']);
  });
});

describe('code from a streamed answer', () => {
  it('takes the first fenced block, complete lines only while streaming', () => {
    expect(codeFromStream('Here:\n```ts\nconst a = 1;\nconst b', false)).toEqual(['const a = 1;']);
    expect(codeFromStream('Here:\n```ts\nconst a = 1;\nconst b = 2;\n```\nDone.', false)).toEqual([
      'const a = 1;',
      'const b = 2;',
    ]);
  });
  it('takes the whole answer when there is no fence, once it is done', () => {
    expect(codeFromStream('x = 1', false)).toEqual([]);
    expect(codeFromStream('x = 1\ny = 2\n', true)).toEqual(['x = 1', 'y = 2']);
  });
  it('an empty block is an empty proposal', () => {
    expect(codeFromStream('```\n```', true)).toEqual([]);
  });
});

describe('code from a streamed answer, after prose', () => {
  it('finds the closing fence after a blank line of prose', () => {
    const text = 'Here is the rewrite:\n\n```js\nconst a = 1;\n```\n';
    expect(codeFromStream(text, false)).toEqual(['const a = 1;']);
    expect(codeFromStream(text, true)).toEqual(['const a = 1;']);
  });
});
