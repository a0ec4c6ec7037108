// A virtual workspace folder in the real VS Code: the runner opens a multi-root workspace whose
// second folder is `warmtest:/virtual` (run-integration.ts --suite=virtual), this test registers
// the FileSystemProvider that serves it (files in memory, as a GitHub repository opened without
// a clone is served), and the model's tool calls read, list, search and edit it through
// vscode.workspace.fs. Tasks need a local folder: run_task says so.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../helpers.ts';
import { chat, resetSettings, stopEmulator, useEmulator, warmline } from '../warmline.ts';

const SCHEME = 'warmtest';
const ROOT = vscode.Uri.from({ scheme: SCHEME, path: '/virtual' });

/** A minimal in-memory FileSystemProvider, the test's own. */
class MemoryProvider implements vscode.FileSystemProvider {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Set<string>(['/', '/virtual']);
  readonly reads: string[] = [];
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  put(path: string, text: string): void {
    for (let p = path.slice(0, path.lastIndexOf('/')); p; p = p.slice(0, p.lastIndexOf('/'))) this.dirs.add(p);
    this.files.set(path, new TextEncoder().encode(text));
  }
  text(path: string): string | undefined {
    const data = this.files.get(path);
    return data && new TextDecoder().decode(data);
  }
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => {});
  }
  stat(uri: vscode.Uri): vscode.FileStat {
    const data = this.files.get(uri.path);
    if (data) return { type: vscode.FileType.File, ctime: 0, mtime: Date.now(), size: data.length };
    if (this.dirs.has(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }
  readDirectory(uri: vscode.Uri): Array<[string, vscode.FileType]> {
    if (!this.dirs.has(uri.path)) throw vscode.FileSystemError.FileNotFound(uri);
    const prefix = uri.path === '/' ? '/' : `${uri.path}/`;
    const out: Array<[string, vscode.FileType]> = [];
    for (const d of this.dirs)
      if (d.startsWith(prefix) && d !== uri.path && !d.slice(prefix.length).includes('/'))
        out.push([d.slice(prefix.length), vscode.FileType.Directory]);
    for (const f of this.files.keys())
      if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/'))
        out.push([f.slice(prefix.length), vscode.FileType.File]);
    return out;
  }
  createDirectory(uri: vscode.Uri): void {
    this.dirs.add(uri.path);
  }
  readFile(uri: vscode.Uri): Uint8Array {
    this.reads.push(uri.path);
    const data = this.files.get(uri.path);
    if (!data) throw vscode.FileSystemError.FileNotFound(uri);
    return data;
  }
  writeFile(uri: vscode.Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): void {
    const exists = this.files.has(uri.path);
    if (!exists && !options.create) throw vscode.FileSystemError.FileNotFound(uri);
    if (exists && !options.overwrite) throw vscode.FileSystemError.FileExists(uri);
    this.put(uri.path, new TextDecoder().decode(content));
    this.emitter.fire([{ type: exists ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }]);
  }
  delete(uri: vscode.Uri): void {
    if (!this.files.delete(uri.path)) throw vscode.FileSystemError.FileNotFound(uri);
    this.emitter.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }
  rename(from: vscode.Uri, to: vscode.Uri): void {
    const data = this.files.get(from.path);
    if (!data) throw vscode.FileSystemError.FileNotFound(from);
    this.files.delete(from.path);
    this.files.set(to.path, data);
  }
}

async function toolOutputs(): Promise<string[]> {
  const api = await warmline();
  return api.chat
    .conversation!.transcript.filter((i) => i.type === 'custom_tool_call_output' || i.type === 'function_call_output')
    .map((i) => String((i as { output: unknown }).output));
}

describe('a virtual workspace folder (a FileSystemProvider, no local path)', () => {
  const provider = new MemoryProvider();
  let registration: vscode.Disposable;

  before(async () => {
    provider.put('/virtual/notes.md', '# Notes\nTODO: write the intro\n');
    provider.put('/virtual/src/main.ts', 'export const greeting = "hello";\n// TODO: localise\n');
    provider.put('/virtual/.gitignore', 'generated/\n');
    provider.put('/virtual/generated/out.ts', '// TODO generated, must stay hidden\n');
    provider.put('/virtual/.env', 'TOKEN=never-sent\n');
    registration = vscode.workspace.registerFileSystemProvider(SCHEME, provider, { isCaseSensitive: true });
    // (A test cannot add a folder: VS Code refuses to enter a new workspace under test.)
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.deepEqual(
      folders.map((f) => f.uri.scheme),
      ['file', SCHEME],
      'the runner opened the fixture folder and the virtual one',
    );
    assert.equal(folders[1]!.uri.toString(), ROOT.toString());
    assert.equal(folders[1]!.name, 'virtual');
  });

  after(async () => {
    await stopEmulator();
    await resetSettings();
    registration.dispose();
  });

  it('the model reads, lists, searches and edits it through vscode.workspace.fs; secrets and ignored files stay hidden', async () => {
    const patch = [
      '*** Begin Patch',
      '*** Update File: virtual/notes.md',
      '@@',
      '-TODO: write the intro',
      '+Warmline edited this virtual file.',
      '*** End Patch',
    ].join('\n');
    await useEmulator(
      {
        name: 'virtual',
        turns: [
          {
            calls: [
              { name: 'read_file', arguments: { path: 'virtual/notes.md', start_line: null, end_line: null } },
              { name: 'list_files', arguments: { path: 'virtual', glob: null, recursive: true } },
              {
                name: 'grep',
                arguments: {
                  pattern: 'TODO',
                  literal: null,
                  path: 'virtual',
                  include: null,
                  exclude: null,
                  case: null,
                  context_lines: null,
                  max_matches: null,
                },
              },
              { name: 'read_file', arguments: { path: 'virtual/.env', start_line: null, end_line: null } },
            ],
          },
          { calls: [{ name: 'apply_patch', type: 'custom' as const, input: patch }] },
          { calls: [{ name: 'run_task', arguments: { name: null, command: 'ls', cwd: 'virtual' } }] },
          { text: 'Done with the virtual folder.' },
        ],
      },
      { 'approvals.edits': 'auto', 'shell.enabled': true },
    );
    await chat('Work in the virtual folder');
    const [read, listed, grep, secret, edit, task] = await toolOutputs();

    assert.match(read!, /^virtual\/notes\.md: lines 1-2 of 2\n1\t# Notes\n2\tTODO: write the intro/);
    assert.ok(provider.reads.includes('/virtual/notes.md'), 'read through the provider');
    const entries = listed!.split('\n').slice(1);
    assert.deepEqual(entries.filter((e) => e.startsWith('virtual/')).sort(), [
      'virtual/.gitignore',
      'virtual/notes.md',
      'virtual/src/',
      'virtual/src/main.ts',
    ]);
    assert.match(grep!, /^virtual\/notes\.md:2:TODO: write the intro$/m);
    assert.match(grep!, /^virtual\/src\/main\.ts:2:\/\/ TODO: localise$/m);
    assert.doesNotMatch(grep!, /generated/);
    assert.match(secret!, /looks like a secret/);
    assert.doesNotMatch(JSON.stringify((await warmline()).chat.conversation!.transcript), /never-sent/);

    assert.match(edit!, /Applied the edit:\n {2}M virtual\/notes\.md \(\+1 -1\)/);
    await waitFor(
      () => provider.text('/virtual/notes.md')?.includes('Warmline edited this virtual file.'),
      5000,
      'the edit to reach the provider',
    );
    assert.doesNotMatch(provider.text('/virtual/notes.md')!, /TODO: write the intro/);
    const doc = vscode.workspace.textDocuments.find(
      (d) => d.uri.toString() === ROOT.with({ path: '/virtual/notes.md' }).toString(),
    );
    assert.equal(doc?.isDirty ?? false, false, 'the edited document is saved');

    assert.match(task!, /virtual folder; commands run in a local folder only/);
  });
});
