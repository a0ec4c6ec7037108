// The tools over the in-memory host: a workspace with no local folder (as a virtual workspace in
// VS Code), reached only through the file-system port. Nothing here touches the disk.
import { describe, expect, it } from 'vitest';
import { applyPatchTool } from '../../../src/tools/apply-patch.ts';
import { getDiagnosticsTool } from '../../../src/tools/get-diagnostics.ts';
import { createGrepTool } from '../../../src/tools/grep.ts';
import { listFilesTool } from '../../../src/tools/list-files.ts';
import { MemoryHost } from '../../../src/tools/memory-host.ts';
import { readFileTool } from '../../../src/tools/read-file.ts';
import { replaceInFileTool } from '../../../src/tools/replace-in-file.ts';
import { runTaskTool } from '../../../src/tools/run-task.ts';
import { withDefaults } from '../../../src/tools/settings.ts';
import type { ApprovalRequest, ToolContext, ToolSettings } from '../../../src/tools/types.ts';
import { expectToolError, run } from './helpers.ts';

function workspace(files: Record<string, string>, roots?: string[]): MemoryHost {
  const host = new MemoryHost(roots ? { roots } : {});
  for (const [rel, text] of Object.entries(files)) host.fs.put(host.uri(rel), text);
  return host;
}

function ctx(
  host: MemoryHost,
  settings: Partial<ToolSettings> = {},
): ToolContext & { chunks: string[]; approvals: ApprovalRequest[] } {
  const chunks: string[] = [];
  const approvals: ApprovalRequest[] = [];
  return {
    host,
    settings: withDefaults(settings),
    signal: new AbortController().signal,
    chunks,
    approvals,
    progress: (c) => {
      chunks.push(c);
    },
    approve: async (r) => {
      approvals.push(r);
      return true;
    },
  };
}

const FILES = {
  'src/app.ts': 'export const answer = 42;\n// TODO: more\n',
  'src/util.ts': 'export function add(a: number, b: number) {\n  return a + b;\n}\n',
  'build/out.js': 'const answer = 42; // TODO generated\n',
  '.gitignore': 'build/\n',
  '.env': 'API_KEY=sk-secret\n',
  'docs/readme.md': '# TODO list\n',
};

describe('the tools in a workspace with no local folder (MemoryHost)', () => {
  it('read_file reads through the port, by range too, and says what is missing', async () => {
    const host = workspace(FILES);
    const out = await run(readFileTool, { path: 'src/util.ts', start_line: 2, end_line: 2 }, ctx(host));
    expect(out.output).toBe('src/util.ts: lines 2-2 of 3\n2\t  return a + b;');
    expect(host.fs.calls).toContain('readFile mem:/workspace/src/util.ts');
    await expectToolError(
      run(readFileTool, { path: 'src/utl.ts' }, ctx(host)),
      'not_found',
      /Did you mean 'src\/util\.ts'/,
    );
  });

  it('hides what the guard hides: .gitignore rules read through the port, secrets, paths outside', async () => {
    const host = workspace(FILES);
    await expectToolError(run(readFileTool, { path: 'build/out.js' }, ctx(host)), 'ignored', /\.gitignore/);
    await expectToolError(run(readFileTool, { path: '.env' }, ctx(host)), 'secret');
    await expectToolError(run(readFileTool, { path: '../other/x.ts' }, ctx(host)), 'outside_workspace');
    await expectToolError(run(readFileTool, { path: 'mem:/elsewhere/x.ts' }, ctx(host)), 'outside_workspace');
    const listed = await run(listFilesTool, { path: '.', recursive: true }, ctx(host));
    expect(listed.output.split('\n').slice(1).sort()).toEqual([
      '.gitignore',
      'docs/',
      'docs/readme.md',
      'src/',
      'src/app.ts',
      'src/util.ts',
    ]);
  });

  it('grep searches the files the port reads (the Node engine, the pattern in its worker), and streams matches', async () => {
    const host = workspace(FILES);
    const engines: string[] = [];
    const c = ctx(host);
    const out = await run(
      createGrepTool({ onEngine: (e) => engines.push(e), rgPath: '/usr/bin/rg' }),
      { pattern: 'TODO' },
      c,
    );
    expect(engines).toEqual(['node']);
    expect(out.output).toMatch(/^docs\/readme\.md:1:# TODO list$/m);
    expect(out.output).toMatch(/^src\/app\.ts:2:\/\/ TODO: more$/m);
    expect(out.output).not.toMatch(/build\/out\.js/);
    expect(c.chunks.join('')).toMatch(/src\/app\.ts:2/);
    await expectToolError(
      run(createGrepTool({ engine: 'ripgrep' }), { pattern: 'TODO' }, ctx(host)),
      'failed',
      /not a local folder/,
    );
  });

  it('grep reports files over the size limit and binaries without reading them as text', async () => {
    const host = workspace({ 'big.txt': `${'x'.repeat(2000)} TODO\n`, 'small.txt': 'TODO here\n' });
    host.fs.put(host.uri('bin.dat'), new Uint8Array([84, 79, 68, 79, 0, 1, 2]));
    const out = await run(createGrepTool(), { pattern: 'TODO' }, ctx(host, { maxReadBytes: 1000 }));
    expect(out.output).toMatch(/^small\.txt:1:TODO here$/m);
    expect(out.output).toMatch(/big\.txt/); // named as skipped for its size
    expect(out.output).toMatch(/bin\.dat/); // named as a binary file that matches
    expect(out.output).not.toMatch(/^big\.txt:1/m);
  });

  it('apply_patch and replace_in_file write through the host, all or nothing, after approval', async () => {
    const host = workspace(FILES);
    const c = ctx(host, { edits: 'ask' });
    const patch = [
      '*** Begin Patch',
      '*** Update File: src/util.ts',
      '@@',
      '-  return a + b;',
      '+  return a + b + 0;',
      '*** Add File: src/new.ts',
      '+export {};',
      '*** End Patch',
    ].join('\n');
    const r = await run(applyPatchTool, patch, c);
    expect(r.isError).toBeFalsy();
    expect(c.approvals).toHaveLength(1);
    expect(host.fs.text(host.uri('src/util.ts'))).toContain('return a + b + 0;');
    expect(host.fs.text(host.uri('src/new.ts'))).toBe('export {};\n');
    expect(r.changedFiles).toEqual([host.uri('src/util.ts'), host.uri('src/new.ts')]);

    await run(replaceInFileTool, { path: 'src/app.ts', old_text: '42', new_text: '43' }, ctx(host, { edits: 'auto' }));
    expect(host.fs.text(host.uri('src/app.ts'))).toBe('export const answer = 43;\n// TODO: more\n');

    // A hunk that fails leaves every file as it was.
    const bad = [
      '*** Begin Patch',
      '*** Update File: src/app.ts',
      '@@',
      '-export const answer = 43;',
      '+export const answer = 44;',
      '*** Update File: src/util.ts',
      '@@',
      '-no such line',
      '+x',
      '*** End Patch',
    ].join('\n');
    await expectToolError(run(applyPatchTool, bad, ctx(host, { edits: 'auto' })), 'patch_failed');
    expect(host.fs.text(host.uri('src/app.ts'))).toContain('answer = 43');
  });

  it('refuses a read-only file and an untrusted workspace before writing', async () => {
    const host = workspace({ 'a.txt': 'keep\n' });
    host.fs.put(host.uri('locked.txt'), 'keep\n', { readonly: true });
    await expectToolError(
      run(replaceInFileTool, { path: 'locked.txt', old_text: 'keep', new_text: 'lose' }, ctx(host, { edits: 'auto' })),
      'read_only',
      /'locked\.txt' is read-only, so it was not changed/,
    );
    host.setTrusted(false);
    await expectToolError(
      run(replaceInFileTool, { path: 'a.txt', old_text: 'keep', new_text: 'lose' }, ctx(host, { edits: 'auto' })),
      'untrusted',
    );
    expect(host.fs.text(host.uri('a.txt'))).toBe('keep\n');
  });

  it("get_diagnostics takes the host's URIs and hides ignored files", async () => {
    const host = workspace(FILES);
    host.setDiagnostics(host.uri('src/app.ts'), [{ line: 1, column: 1, severity: 'error', message: 'bad' }]);
    host.setDiagnostics(host.uri('build/out.js'), [{ line: 1, column: 1, severity: 'error', message: 'generated' }]);
    const out = await run(getDiagnosticsTool, {}, ctx(host));
    expect(out.output).toMatch(/src\/app\.ts:1:1 error bad/);
    expect(out.output).not.toMatch(/generated/);
  });

  it('run_task says plainly that a virtual workspace cannot run anything', async () => {
    const host = workspace(FILES);
    await expectToolError(
      run(runTaskTool, { name: 'build' }, ctx(host, { tasks: 'auto' })),
      'not_allowed',
      /no local folder/,
    );
  });

  it('a multi-root workspace of two schemes resolves <folder>/path in each', async () => {
    const host = workspace({}, ['mem:/alpha', 'other://host/beta']);
    host.fs.put('mem:/alpha/x.txt', 'from alpha\n');
    host.fs.put('other://host/beta/x.txt', 'from beta\n');
    expect((await run(readFileTool, { path: 'beta/x.txt' }, ctx(host))).output).toMatch(
      /^beta\/x\.txt: lines 1-1 of 1\n1\tfrom beta$/,
    );
    expect((await run(readFileTool, { path: 'alpha/x.txt' }, ctx(host))).output).toMatch(/from alpha/);
  });
});
