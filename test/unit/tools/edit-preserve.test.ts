// Edits keep what the file had: its UTF-8 byte order mark, its line endings (CRLF, or mixed),
// its read-only state (refused, never replaced), and the user's unsaved editor text (the edit
// goes into the editor; nothing the user had not saved is saved).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPatchTool } from '../../../src/tools/apply-patch.ts';
import { readFileTool } from '../../../src/tools/read-file.ts';
import { replaceInFileTool } from '../../../src/tools/replace-in-file.ts';
import { cleanupFixtures, context, expectToolError, fixture, run } from './helpers.ts';

afterAll(cleanupFixtures);

const BOM = '\uFEFF';
const patch = (...lines: string[]) => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');
const runPatch = (root: string, text: string, opts: Parameters<typeof context>[2] = {}) => {
  const ctx = context(root, { edits: 'auto' }, opts);
  return applyPatchTool.run(applyPatchTool.parse(text), ctx);
};
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('edits keep a byte order mark', () => {
  it('replace_in_file writes the BOM back', async () => {
    const ws = fixture({ 'bom.ts': `${BOM}export const a = 1;\nexport const b = 2;\n` });
    await run(
      replaceInFileTool,
      { path: 'bom.ts', old_text: 'export const a = 1;', new_text: 'export const a = 10;' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(fs.readFileSync(ws.abs('bom.ts'))).toEqual(bytes(`${BOM}export const a = 10;\nexport const b = 2;\n`));
  });

  it('apply_patch keeps it on update and on a move, and matches the first line without it', async () => {
    const ws = fixture({ 'a.txt': `${BOM}first\nsecond\n`, 'b.txt': `${BOM}one\n` });
    await runPatch(ws.root, patch('*** Update File: a.txt', '@@', '-first', '+FIRST', ' second'));
    expect(fs.readFileSync(ws.abs('a.txt'))).toEqual(bytes(`${BOM}FIRST\nsecond\n`));
    await runPatch(ws.root, patch('*** Update File: b.txt', '*** Move to: c.txt', '@@', '-one', '+uno'));
    expect(fs.readFileSync(ws.abs('c.txt'))).toEqual(bytes(`${BOM}uno\n`));
  });

  it('read_file shows the text without the mark, so quoted text matches', async () => {
    const ws = fixture({ 'bom.txt': `${BOM}hello\n` });
    expect((await run(readFileTool, { path: 'bom.txt' }, context(ws.root))).output).toBe(
      'bom.txt: lines 1-1 of 1\n1\thello',
    );
  });
});

describe('edits keep line endings', () => {
  it('replace_in_file on a CRLF file with LF text (and the other way round)', async () => {
    const ws = fixture({ 'win.txt': 'a\r\nb\r\nc\r\n', 'unix.txt': 'a\nb\nc\n' });
    await run(
      replaceInFileTool,
      { path: 'win.txt', old_text: 'a\nb\n', new_text: 'A\nB\nB2\n' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(ws.read('win.txt')).toBe('A\r\nB\r\nB2\r\nc\r\n');
    await run(
      replaceInFileTool,
      { path: 'unix.txt', old_text: 'b\r\nc', new_text: 'B\r\nC' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(ws.read('unix.txt')).toBe('a\nB\nC\n');
  });

  it('leaves the line ends of untouched lines alone in a file with mixed ends', async () => {
    const ws = fixture({ 'mixed.txt': 'one\r\ntwo\r\nthree\nfour\r\nfive\r\n' });
    await run(
      replaceInFileTool,
      { path: 'mixed.txt', old_text: 'one', new_text: 'ONE' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(ws.read('mixed.txt')).toBe('ONE\r\ntwo\r\nthree\nfour\r\nfive\r\n');
    await runPatch(ws.root, patch('*** Update File: mixed.txt', '@@', ' four', '-five', '+FIVE', '+six'));
    expect(ws.read('mixed.txt')).toBe('ONE\r\ntwo\r\nthree\nfour\r\nFIVE\r\nsix\r\n');
  });
});

describe('a read-only file is refused, never replaced', () => {
  it('replace_in_file and apply_patch (update, move, delete) refuse mode 0444 with a clear message', async () => {
    const ws = fixture({ 'locked.txt': 'keep me\n' });
    fs.chmodSync(ws.abs('locked.txt'), 0o444);
    await expectToolError(
      run(
        replaceInFileTool,
        { path: 'locked.txt', old_text: 'keep', new_text: 'lose' },
        context(ws.root, { edits: 'auto' }),
      ),
      'read_only',
      /'locked\.txt' is read-only \(mode 0444\), so it was not changed/,
    );
    await expectToolError(
      runPatch(ws.root, patch('*** Update File: locked.txt', '@@', '-keep me', '+lose me')),
      'read_only',
    );
    await expectToolError(
      runPatch(ws.root, patch('*** Update File: locked.txt', '*** Move to: moved.txt', '@@', '-keep me', '+lose me')),
      'read_only',
    );
    await expectToolError(runPatch(ws.root, patch('*** Delete File: locked.txt')), 'read_only');
    expect(ws.read('locked.txt')).toBe('keep me\n');
    expect(fs.statSync(ws.abs('locked.txt')).mode & 0o777).toBe(0o444);
    expect(ws.exists('moved.txt')).toBe(false);
  });

  it('refuses a file made read-only while the user looked at the edit', async () => {
    const ws = fixture({ 'a.txt': 'old\n' });
    const ctx = context(
      ws.root,
      { edits: 'ask' },
      {
        approve: () => {
          fs.chmodSync(ws.abs('a.txt'), 0o444);
          return true;
        },
      },
    );
    await expectToolError(
      run(replaceInFileTool, { path: 'a.txt', old_text: 'old', new_text: 'new' }, ctx),
      'read_only',
    );
    expect(ws.read('a.txt')).toBe('old\n');
  });

  it('the host itself never renames over a read-only file', async () => {
    const ws = fixture({ 'a.txt': 'old\n' });
    fs.chmodSync(ws.abs('a.txt'), 0o444);
    const ctx = context(ws.root);
    expect(
      await ctx.host.applyChanges([{ kind: 'update', uri: ws.uri('a.txt'), oldText: 'old\n', newText: 'new\n' }]),
    ).toBe(false);
    expect(ws.read('a.txt')).toBe('old\n');
  });
});

describe("an edit never saves the user's unsaved text", () => {
  it('a file open with unsaved changes gets the edit in the editor; the disk keeps the saved text', async () => {
    const ws = fixture({ 'a.txt': 'saved\n', 'b.txt': 'b\n' });
    const ctx = context(ws.root, { edits: 'auto' });
    ctx.host.setOpenDocument(ws.abs('a.txt'), 'saved\nunsaved line the user typed\n');
    const r = await applyPatchTool.run(
      applyPatchTool.parse(
        patch(
          '*** Update File: a.txt',
          '@@',
          ' saved',
          '-unsaved line the user typed',
          '+unsaved line the user typed, edited',
          '*** Update File: b.txt',
          '@@',
          '-b',
          '+B',
        ),
      ),
      ctx,
    );
    expect(ctx.host.openDocumentText(ws.abs('a.txt'))).toBe('saved\nunsaved line the user typed, edited\n');
    expect(ws.read('a.txt')).toBe('saved\n'); // nothing the user had not saved was saved
    expect(ws.read('b.txt')).toBe('B\n'); // a file without unsaved changes is written as before
    expect(r.output).toContain('Not saved: a.txt had unsaved changes in the editor, so the edit is in the editor only');
  });

  it('refuses when the unsaved text changed after the edit was computed', async () => {
    const ws = fixture({ 'a.txt': 'saved\n' });
    const ctx = context(
      ws.root,
      { edits: 'ask' },
      {
        approve: () => {
          ctx.host.setOpenDocument(ws.abs('a.txt'), 'typed meanwhile\n');
          return true;
        },
      },
    );
    ctx.host.setOpenDocument(ws.abs('a.txt'), 'unsaved\n');
    await expectToolError(
      run(replaceInFileTool, { path: 'a.txt', old_text: 'unsaved', new_text: 'edited' }, ctx),
      'failed',
      /changed while the edit was waiting/,
    );
    expect(ctx.host.openDocumentText(ws.abs('a.txt'))).toBe('typed meanwhile\n');
    expect(ws.read('a.txt')).toBe('saved\n');
  });
});
