// apply_patch against scenarios equivalent to Codex's fixtures (codex-rs/apply-patch/tests/
// fixtures/scenarios), plus Warmline's stricter guarantees: the whole patch or nothing, no
// overwriting by Add File or Move to, secrets and trust respected.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { REJECTED_EDIT_MESSAGE } from '../../../src/tools/edit-flow.ts';
import { applyPatchJsonTool, applyPatchTool } from '../../../src/tools/apply-patch.ts';
import { createToolRegistry } from '../../../src/tools/registry.ts';
import type { ToolResult } from '../../../src/tools/types.ts';
import { cleanupFixtures, context, expectToolError, fixture } from './helpers.ts';
import type { Fixture } from './helpers.ts';

afterAll(cleanupFixtures);

const patch = (...lines: string[]) => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

async function apply(ws: Fixture, text: string, settings = {}, approve: boolean = true): Promise<ToolResult> {
  const ctx = context(ws.root, { edits: 'auto', ...settings }, { approve });
  return applyPatchTool.run(applyPatchTool.parse(text), ctx);
}

/** Every file of the fixture with its content (to check nothing changed). */
function snapshot(ws: Fixture): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(ws.abs(rel || '.'), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else out[r] = ws.read(r);
    }
  };
  walk('');
  return out;
}

describe('apply_patch: Codex scenarios', () => {
  it('001 adds a file', async () => {
    const ws = fixture();
    const r = await apply(ws, patch('*** Add File: bar.md', '+This is a new file', '+with two lines'));
    expect(ws.read('bar.md')).toBe('This is a new file\nwith two lines\n');
    expect(r.output).toMatch(/^Applied the edit:\n {2}A bar\.md \(2 lines\)/);
  });

  it('002 applies several operations in one patch', async () => {
    const ws = fixture({ 'delete.txt': 'obsolete\n', 'modify.txt': 'line1\nline2\n' });
    await apply(
      ws,
      patch(
        '*** Add File: nested/new.txt',
        '+created',
        '*** Delete File: delete.txt',
        '*** Update File: modify.txt',
        '@@',
        '-line2',
        '+changed',
      ),
    );
    expect(snapshot(ws)).toEqual({ 'nested/new.txt': 'created\n', 'modify.txt': 'line1\nchanged\n' });
  });

  it('003 applies multiple chunks to one file', async () => {
    const ws = fixture({ 'multi.txt': 'line1\nline2\nline3\nline4\n' });
    await apply(ws, patch('*** Update File: multi.txt', '@@', '-line2', '+changed2', '@@', '-line4', '+changed4'));
    expect(ws.read('multi.txt')).toBe('line1\nchanged2\nline3\nchanged4\n');
  });

  it('004 moves a file to a new folder and changes it', async () => {
    const ws = fixture({ 'old/name.txt': 'old content\n', 'old/other.txt': 'unrelated\n' });
    const r = await apply(
      ws,
      patch('*** Update File: old/name.txt', '*** Move to: renamed/dir/name.txt', '@@', '-old content', '+new content'),
    );
    expect(snapshot(ws)).toEqual({ 'old/other.txt': 'unrelated\n', 'renamed/dir/name.txt': 'new content\n' });
    expect(r.output).toContain('R old/name.txt -> renamed/dir/name.txt (+1 -1)');
  });

  it('005 rejects an empty patch', async () => {
    const ws = fixture({ 'foo.txt': 'stable\n' });
    await expectToolError(apply(ws, patch()), 'patch_failed', /no file operations/);
    expect(snapshot(ws)).toEqual({ 'foo.txt': 'stable\n' });
  });

  it('006 rejects a hunk whose lines are not in the file, naming file, hunk and nearest match', async () => {
    const ws = fixture({ 'modify.txt': 'line1\nline2\n' });
    const e = await expectToolError(
      apply(ws, patch('*** Update File: modify.txt', '@@', '-missing', '+changed')),
      'patch_failed',
    );
    expect(e.message).toMatch(
      /In 'modify\.txt', hunk 1 of 1, at patch line 3: could not find these lines:\n {2}missing/,
    );
    expect(e.message).toMatch(/Nothing was changed/);
    expect(ws.read('modify.txt')).toBe('line1\nline2\n');
  });

  it('007 rejects deleting a file that does not exist', async () => {
    const ws = fixture({ 'foo.txt': 'stable\n' });
    await expectToolError(
      apply(ws, patch('*** Delete File: missing.txt')),
      'patch_failed',
      /Delete File 'missing\.txt'.*does not exist/,
    );
    expect(snapshot(ws)).toEqual({ 'foo.txt': 'stable\n' });
  });

  it('008 rejects an update section without hunks', async () => {
    fixture({ 'foo.txt': 'stable\n' });
    await expectToolError(
      () => applyPatchTool.parse(patch('*** Update File: foo.txt')),
      'invalid_arguments',
      /malformed at line 2: Update File 'foo\.txt' has no changes/,
    );
  });

  it('009 requires the file to exist for an update', async () => {
    const ws = fixture({ 'foo.txt': 'stable\n' });
    await expectToolError(
      apply(ws, patch('*** Update File: missing.txt', '@@', '-old', '+new')),
      'patch_failed',
      /does not exist\. Use '\*\*\* Add File: missing\.txt'/,
    );
  });

  it('010 refuses to move onto an existing file (Codex overwrites; Warmline does not)', async () => {
    const ws = fixture({ 'old/name.txt': 'from\n', 'renamed/dir/name.txt': 'existing\n' });
    await expectToolError(
      apply(ws, patch('*** Update File: old/name.txt', '*** Move to: renamed/dir/name.txt', '@@', '-from', '+new')),
      'patch_failed',
      /already exists/,
    );
    expect(snapshot(ws)).toEqual({ 'old/name.txt': 'from\n', 'renamed/dir/name.txt': 'existing\n' });
  });

  it('011 refuses to add a file that exists (Codex overwrites; Warmline does not)', async () => {
    const ws = fixture({ 'duplicate.txt': 'old content\n' });
    await expectToolError(
      apply(ws, patch('*** Add File: duplicate.txt', '+new content')),
      'patch_failed',
      /already exists\. Use '\*\*\* Update File: duplicate\.txt'/,
    );
    expect(ws.read('duplicate.txt')).toBe('old content\n');
  });

  it('012 refuses to delete a folder', async () => {
    const ws = fixture({ 'dir/foo.txt': 'stable\n' });
    await expectToolError(apply(ws, patch('*** Delete File: dir')), 'patch_failed', /is a folder/);
    expect(ws.read('dir/foo.txt')).toBe('stable\n');
  });

  it('013 rejects an invalid hunk header, naming the line', async () => {
    await expectToolError(
      () => applyPatchTool.parse(patch('*** Frobnicate File: foo')),
      'invalid_arguments',
      /malformed at line 2: '\*\*\* Frobnicate File: foo' is not a valid hunk header/,
    );
  });

  it('014 gives an updated file a final newline', async () => {
    const ws = fixture({ 'no_newline.txt': 'no newline at end' });
    await apply(
      ws,
      patch('*** Update File: no_newline.txt', '@@', '-no newline at end', '+first line', '+second line'),
    );
    expect(ws.read('no_newline.txt')).toBe('first line\nsecond line\n');
  });

  it('015 leaves every file untouched when a later section fails (Codex keeps the earlier ones)', async () => {
    const ws = fixture({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const before = snapshot(ws);
    await expectToolError(
      apply(
        ws,
        patch(
          '*** Add File: created.txt',
          '+hello',
          '*** Update File: a.txt',
          '@@',
          '-alpha',
          '+ALPHA',
          '*** Update File: b.txt',
          '@@',
          '-gamma',
          '+GAMMA',
        ),
      ),
      'patch_failed',
      /In 'b\.txt', hunk 1 of 1.*could not find/s,
    );
    expect(snapshot(ws)).toEqual(before);
  });

  it('016 appends a pure addition without context at the end', async () => {
    const ws = fixture({ 'input.txt': 'line1\nline2\n' });
    await apply(ws, patch('*** Update File: input.txt', '@@', '+added line 1', '+added line 2'));
    expect(ws.read('input.txt')).toBe('line1\nline2\nadded line 1\nadded line 2\n');
  });

  it('017 accepts a hunk header padded with spaces', async () => {
    const ws = fixture({ 'foo.txt': 'old\n' });
    await apply(
      ws,
      ['*** Begin Patch', '  *** Update File: foo.txt', '@@', '-old', '+new', '*** End Patch'].join('\n'),
    );
    expect(ws.read('foo.txt')).toBe('new\n');
  });

  it('018 accepts padded Begin and End markers', async () => {
    const ws = fixture({ 'file.txt': 'one\n' });
    await apply(ws, '*** Begin Patch \n*** Update File: file.txt\n@@\n-one\n+two\n *** End Patch\n');
    expect(ws.read('file.txt')).toBe('two\n');
  });

  it('019 edits non-ASCII text', async () => {
    const ws = fixture({ 'foo.txt': 'line1\nnaïve café\nline3\n' });
    await apply(ws, patch('*** Update File: foo.txt', '@@', ' line1', '-naïve café', '+naïve café ✅'));
    expect(ws.read('foo.txt')).toBe('line1\nnaïve café ✅\nline3\n');
  });

  it('020 deletes a file', async () => {
    const ws = fixture({ 'keep.txt': 'keep\n', 'obsolete.txt': 'bye\n' });
    const r = await apply(ws, patch('*** Delete File: obsolete.txt'));
    expect(snapshot(ws)).toEqual({ 'keep.txt': 'keep\n' });
    expect(r.output).toContain('D obsolete.txt');
  });

  it('021 removes lines only', async () => {
    const ws = fixture({ 'lines.txt': 'line1\nline2\nline3\n' });
    await apply(ws, patch('*** Update File: lines.txt', '@@', ' line1', '-line2', ' line3'));
    expect(ws.read('lines.txt')).toBe('line1\nline3\n');
  });

  it('022 anchors a hunk at the end of the file', async () => {
    const ws = fixture({ 'tail.txt': 'first\nsecond\nfirst\nsecond\n' });
    await apply(
      ws,
      patch('*** Update File: tail.txt', '@@', ' first', '-second', '+second updated', '*** End of File'),
    );
    expect(ws.read('tail.txt')).toBe('first\nsecond\nfirst\nsecond updated\n');
  });
});

describe('apply_patch: tolerant seeking', () => {
  it('finds lines despite trailing whitespace and different indentation', async () => {
    const ws = fixture({ 'a.py': 'def f():   \n        return 1\n' });
    await apply(ws, patch('*** Update File: a.py', '@@', ' def f():', '-    return 1', '+    return 2'));
    // As in Codex, the matched region takes the patch's text, context lines included.
    expect(ws.read('a.py')).toBe('def f():\n    return 2\n');
  });

  it('matches ASCII patch lines against typographic punctuation in the file', async () => {
    const ws = fixture({ 'doc.md': 'Intro\nIt’s a “quoted” — dashed line\nEnd\n' });
    await apply(
      ws,
      patch('*** Update File: doc.md', '@@', ' Intro', '-It\'s a "quoted" - dashed line', '+Replaced line'),
    );
    expect(ws.read('doc.md')).toBe('Intro\nReplaced line\nEnd\n');
  });

  it('uses the @@ context line to pick the right occurrence', async () => {
    const ws = fixture({ 'x.ts': 'function a() {\n  return 0;\n}\nfunction b() {\n  return 0;\n}\n' });
    await apply(ws, patch('*** Update File: x.ts', '@@ function b() {', '-  return 0;', '+  return 1;'));
    expect(ws.read('x.ts')).toBe('function a() {\n  return 0;\n}\nfunction b() {\n  return 1;\n}\n');
  });

  it('keeps CRLF line ends', async () => {
    const ws = fixture({ 'win.txt': 'one\r\ntwo\r\nthree\r\n' });
    await apply(ws, patch('*** Update File: win.txt', '@@', ' one', '-two', '+TWO'));
    expect(ws.read('win.txt')).toBe('one\r\nTWO\r\nthree\r\n');
  });

  it('shows the nearest match when a line changed slightly', async () => {
    const ws = fixture({
      'c.ts': `${Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i});`).join('\n')}\n`,
    });
    const e = await expectToolError(
      apply(ws, patch('*** Update File: c.ts', '@@', '-const value17 = compute(71);', '+const value17 = 0;')),
      'patch_failed',
    );
    expect(e.message).toMatch(
      /The most similar lines in the file are 18-18 \(\d+% similar\):\n18\tconst value17 = compute\(17\);/,
    );
  });
});

describe('apply_patch: all or nothing, approval, trust, secrets', () => {
  it('asks for approval with every change computed, and tells the model plainly when rejected', async () => {
    const ws = fixture({ 'a.txt': 'old\n' });
    const ctx = context(ws.root, { edits: 'ask' }, { approve: false });
    const r = await applyPatchTool.run(
      applyPatchTool.parse(patch('*** Update File: a.txt', '@@', '-old', '+new', '*** Add File: b.txt', '+b')),
      ctx,
    );
    expect(r.isError).toBe(true);
    expect(r.output).toBe(REJECTED_EDIT_MESSAGE);
    expect(r.output).toMatch(/rejected.*Do not retry it unchanged; ask the user what they want instead/);
    expect(ctx.approvals).toHaveLength(1);
    expect(ctx.approvals[0]).toMatchObject({ kind: 'edit', title: 'Edit 2 files' });
    expect(ctx.approvals[0]!.changes).toEqual([
      { kind: 'update', uri: ws.uri('a.txt'), oldText: 'old\n', newText: 'new\n' },
      { kind: 'add', uri: ws.uri('b.txt'), newText: 'b\n' },
    ]);
    expect(snapshot(ws)).toEqual({ 'a.txt': 'old\n' });
  });

  it('refuses when a file changed while waiting for approval', async () => {
    const ws = fixture({ 'a.txt': 'old\n' });
    const ctx = context(
      ws.root,
      { edits: 'ask' },
      {
        approve: () => {
          fs.writeFileSync(ws.abs('a.txt'), 'changed meanwhile\n');
          return true;
        },
      },
    );
    await expectToolError(
      applyPatchTool.run(applyPatchTool.parse(patch('*** Update File: a.txt', '@@', '-old', '+new')), ctx),
      'failed',
      /changed while the edit was waiting/,
    );
    expect(ws.read('a.txt')).toBe('changed meanwhile\n');
  });

  it('patches the unsaved editor text when the file is open and dirty', async () => {
    const ws = fixture({ 'a.txt': 'disk\n' });
    const ctx = context(ws.root, { edits: 'auto' });
    ctx.host.setOpenDocument(ws.abs('a.txt'), 'buffer\n');
    const changes: unknown[] = [];
    ctx.host.applyChanges = async (c) => {
      changes.push(...c);
      return true;
    }; // the editor would apply it to the buffer
    await applyPatchTool.run(applyPatchTool.parse(patch('*** Update File: a.txt', '@@', '-buffer', '+edited')), ctx);
    expect(changes).toEqual([{ kind: 'update', uri: ws.uri('a.txt'), oldText: 'buffer\n', newText: 'edited\n' }]);
  });

  it('refuses in an untrusted workspace', async () => {
    const ws = fixture({ 'a.txt': 'old\n' });
    const ctx = context(ws.root, { edits: 'auto' }, { host: { trusted: false } });
    await expectToolError(
      applyPatchTool.run(applyPatchTool.parse(patch('*** Update File: a.txt', '@@', '-old', '+new')), ctx),
      'untrusted',
    );
    expect(ws.read('a.txt')).toBe('old\n');
  });

  it('never edits secrets, ignored files, or paths outside', async () => {
    const ws = fixture({ '.env': 'KEY=1\n', '.gitignore': 'dist/\n', 'dist/a.js': 'x\n', 'ok.txt': 'ok\n' });
    await expectToolError(apply(ws, patch('*** Update File: .env', '@@', '-KEY=1', '+KEY=2')), 'secret');
    await expectToolError(apply(ws, patch('*** Add File: certs/new.pem', '+-----BEGIN')), 'secret');
    await expectToolError(apply(ws, patch('*** Delete File: .env')), 'secret');
    await expectToolError(
      apply(ws, patch('*** Update File: ok.txt', '*** Move to: .env.local', '@@', '-ok', '+ok2')),
      'secret',
    );
    await expectToolError(apply(ws, patch('*** Update File: dist/a.js', '@@', '-x', '+y')), 'ignored');
    await expectToolError(apply(ws, patch('*** Add File: ../escape.txt', '+x')), 'outside_workspace');
    expect(fs.existsSync(ws.abs('../escape.txt'))).toBe(false);
    expect(ws.read('.env')).toBe('KEY=1\n');
  });

  it('refuses two sections for the same file', async () => {
    const ws = fixture({ 'a.txt': 'one\ntwo\n' });
    await expectToolError(
      apply(ws, patch('*** Update File: a.txt', '@@', '-one', '+1', '*** Update File: a.txt', '@@', '-two', '+2')),
      'patch_failed',
      /appears in two sections/,
    );
  });

  it('reports new errors in the touched files after the edit', async () => {
    const ws = fixture({ 'a.ts': 'const x: number = 1;\n' });
    const ctx = context(ws.root, { edits: 'auto' });
    ctx.host.setDiagnostics(ws.abs('a.ts'), [
      { line: 9, column: 1, severity: 'error', message: 'old problem', source: 'ts' },
    ]);
    const orig = ctx.host.applyChanges.bind(ctx.host);
    ctx.host.applyChanges = async (c) => {
      const ok = await orig(c);
      ctx.host.setDiagnostics(ws.abs('a.ts'), [
        { line: 9, column: 1, severity: 'error', message: 'old problem', source: 'ts' },
        {
          line: 1,
          column: 7,
          severity: 'error',
          message: "Type 'string' is not assignable to type 'number'.",
          source: 'ts',
        },
        { line: 1, column: 1, severity: 'warning', message: 'a warning', source: 'eslint' },
      ]);
      return ok;
    };
    const r = await applyPatchTool.run(
      applyPatchTool.parse(patch('*** Update File: a.ts', '@@', '-const x: number = 1;', "+const x: number = 'one';")),
      ctx,
    );
    expect(r.output).toContain(
      "New errors in the changed files (1):\n  a.ts:1:7 Type 'string' is not assignable to type 'number'. [ts]",
    );
    expect(r.output).not.toContain('old problem');
    expect(r.output).not.toContain('a warning');
    expect(r.summary).toBe('1 file changed, 1 new error');
    expect(r.changedFiles).toEqual([ws.uri('a.ts')]);
  });

  it('works the same as apply_patch_json with {patch}, and through the registry for both call styles', async () => {
    const ws = fixture({ 'a.txt': 'old\n' });
    const text = patch('*** Update File: a.txt', '@@', '-old', '+new');
    await applyPatchJsonTool.run(
      applyPatchJsonTool.parse(JSON.stringify({ patch: text })),
      context(ws.root, { edits: 'auto' }),
    );
    expect(ws.read('a.txt')).toBe('new\n');
    const registry = createToolRegistry();
    const r = await registry.dispatch(
      { type: 'custom', name: 'apply_patch', raw: patch('*** Update File: a.txt', '@@', '-new', '+newer') },
      context(ws.root, { edits: 'auto' }),
    );
    expect(r.isError).toBeFalsy();
    expect(ws.read('a.txt')).toBe('newer\n');
    const bad = await registry.dispatch(
      { type: 'function', name: 'apply_patch_json', arguments: '{"patch": 42}' },
      context(ws.root, { edits: 'auto' }),
    );
    expect(bad).toMatchObject({ isError: true });
    expect(bad.output).toMatch(/^Error: Invalid arguments for apply_patch_json: 'patch' must be a string/);
  });
});
