import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { REJECTED_EDIT_MESSAGE } from '../../../src/tools/edit-flow.ts';
import { replaceInFileTool } from '../../../src/tools/replace-in-file.ts';
import { cleanupFixtures, context, expectToolError, fixture, run } from './helpers.ts';

afterAll(cleanupFixtures);

const SOURCE = [
  'export function total(items: Item[]): number {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.price * item.quantity;',
  '  }',
  '  return sum;',
  '}',
  '',
  'export function count(items: Item[]): number {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.quantity;',
  '  }',
  '  return sum;',
  '}',
  '',
].join('\n');

describe('replace_in_file', () => {
  it('replaces exact text that occurs once', async () => {
    const ws = fixture({ 'cart.ts': SOURCE });
    const r = await run(
      replaceInFileTool,
      { path: 'cart.ts', old_text: '    sum += item.quantity;\n', new_text: '    sum += item.quantity ?? 0;\n' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(ws.read('cart.ts')).toBe(SOURCE.replace('    sum += item.quantity;\n', '    sum += item.quantity ?? 0;\n'));
    expect(r.output).toMatch(
      /^Applied the edit:\n {2}M cart\.ts \(\+1 -1\)\nNo new errors reported in the changed files\.$/,
    );
  });

  it('says how many times and where when the text is not unique', async () => {
    const ws = fixture({ 'cart.ts': SOURCE });
    await expectToolError(
      run(
        replaceInFileTool,
        { path: 'cart.ts', old_text: '  let sum = 0;', new_text: '  let sum = 1;' },
        context(ws.root, { edits: 'auto' }),
      ),
      'ambiguous_match',
      /occurs 2 times in 'cart\.ts' \(starting at lines 2, 10\)/,
    );
    expect(ws.read('cart.ts')).toBe(SOURCE);
  });

  it('names the nearest match (line numbers and text) when the text is stale', async () => {
    const ws = fixture({ 'cart.ts': SOURCE });
    const e = await expectToolError(
      run(
        replaceInFileTool,
        {
          path: 'cart.ts',
          old_text: '  for (const item of items) {\n    sum += item.price * item.qty;\n  }',
          new_text: 'x',
        },
        context(ws.root, { edits: 'auto' }),
      ),
      'no_match',
    );
    expect(e.message).toMatch(
      /old_text was not found in 'cart\.ts'; nothing was changed\. The nearest match is at lines 3-5 \(\d+% similar\):\n3\t {2}for \(const item of items\) \{\n4\t {4}sum \+= item\.price \* item\.quantity;\n5\t {2}\}/,
    );
    expect(ws.read('cart.ts')).toBe(SOURCE);
  });

  it('points out whitespace-only differences and pasted line numbers', async () => {
    const ws = fixture({ 'cart.ts': SOURCE });
    const ctx = context(ws.root, { edits: 'auto' });
    await expectToolError(
      run(replaceInFileTool, { path: 'cart.ts', old_text: '\treturn sum;', new_text: 'x' }, ctx),
      'no_match',
      /differs only in whitespace/,
    );
    await expectToolError(
      run(replaceInFileTool, { path: 'cart.ts', old_text: '2\t  let sum = 0;', new_text: 'x' }, ctx),
      'no_match',
      /line-number prefixes/,
    );
  });

  it('keeps CRLF line ends when the model sends LF text', async () => {
    const ws = fixture({ 'win.txt': 'alpha\r\nbeta\r\ngamma\r\n' });
    await run(
      replaceInFileTool,
      { path: 'win.txt', old_text: 'alpha\nbeta', new_text: 'ALPHA\nBETA\nextra' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(ws.read('win.txt')).toBe('ALPHA\r\nBETA\r\nextra\r\ngamma\r\n');
  });

  it('asks for approval, and reports a rejection plainly without writing', async () => {
    const ws = fixture({ 'a.txt': 'hello world\n' });
    const ctx = context(ws.root, { edits: 'ask' }, { approve: false });
    const r = await run(replaceInFileTool, { path: 'a.txt', old_text: 'world', new_text: 'there' }, ctx);
    expect(r).toMatchObject({ output: REJECTED_EDIT_MESSAGE, isError: true });
    expect(ctx.approvals[0]).toMatchObject({
      kind: 'edit',
      title: 'Edit a.txt',
      changes: [{ kind: 'update', oldText: 'hello world\n', newText: 'hello there\n' }],
    });
    expect(ws.read('a.txt')).toBe('hello world\n');
  });

  it('refuses secrets, missing files, identical texts, untrusted workspaces', async () => {
    const ws = fixture({ '.env': 'A=1\n', 'id_ed25519': 'key', 'a.txt': 'x\n' });
    const ctx = context(ws.root, { edits: 'auto' });
    await expectToolError(run(replaceInFileTool, { path: '.env', old_text: 'A=1', new_text: 'A=2' }, ctx), 'secret');
    await expectToolError(
      run(replaceInFileTool, { path: 'id_ed25519', old_text: 'key', new_text: 'k' }, ctx),
      'secret',
    );
    await expectToolError(
      run(replaceInFileTool, { path: 'nope.txt', old_text: 'a', new_text: 'b' }, ctx),
      'not_found',
      /Add File/,
    );
    await expectToolError(
      run(replaceInFileTool, { path: 'a.txt', old_text: 'x', new_text: 'x' }, ctx),
      'invalid_arguments',
      /identical/,
    );
    await expectToolError(
      run(
        replaceInFileTool,
        { path: 'a.txt', old_text: 'x', new_text: 'y' },
        context(ws.root, { edits: 'auto' }, { host: { trusted: false } }),
      ),
      'untrusted',
    );
    expect(fs.readFileSync(ws.abs('.env'), 'utf8')).toBe('A=1\n');
  });

  it('rejects malformed arguments', async () => {
    await expectToolError(
      () => replaceInFileTool.parse('{"path":"a","old_text":"","new_text":"b"}'),
      'invalid_arguments',
      /'old_text' must not be empty/,
    );
    await expectToolError(
      () => replaceInFileTool.parse('{"path":"a","old_text":"x"}'),
      'invalid_arguments',
      /missing required field 'new_text'/,
    );
    await expectToolError(
      () => replaceInFileTool.parse('{"path":"a","old_text":"x","new_text":"y","all":true}'),
      'invalid_arguments',
      /unknown field 'all'/,
    );
  });
});
