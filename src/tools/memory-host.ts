// A WorkspaceHost whose files live in memory, under a scheme of its own (`mem:` by default):
// unit tests of the tools without temp folders, and the model of a virtual workspace (no local
// path, so no processes and no ripgrep, as in a GitHub repository opened without a clone).
// Edits are all or nothing, like the other hosts.
import { dirnameUri, joinUri, normalizeUri, relativeUri, segmentsOf } from './uri.ts';
import { SimulatedEditor } from './simulated-editor.ts';
import { FsError } from './workspace-fs.ts';
import type { DirEntry, FileStat, WorkspaceFs } from './workspace-fs.ts';
import type { FileChange, ProcessResult, TaskList, WorkspaceHost } from './types.ts';

type Node = { kind: 'file'; data: Uint8Array; mtime: number; readonly: boolean } | { kind: 'dir'; mtime: number };

const encoder = new TextEncoder();

export class MemoryFs implements WorkspaceFs {
  private readonly nodes = new Map<string, Node>();
  /** Every call, for tests that check what the tools asked (`readFile mem:/ws/a.ts`). */
  readonly calls: string[] = [];

  constructor(roots: readonly string[] = []) {
    for (const r of roots) this.mkdirs(normalizeUri(r));
  }

  /** Test setup: writes a file (text or bytes), creating its folders. */
  put(uri: string, content: string | Uint8Array, options: { readonly?: boolean } = {}): void {
    const key = normalizeUri(uri);
    this.mkdirs(dirnameUri(key));
    this.nodes.set(key, {
      kind: 'file',
      data: typeof content === 'string' ? encoder.encode(content) : content,
      mtime: Date.now(),
      readonly: options.readonly ?? false,
    });
  }

  /** Test inspection: a file's text, or undefined. */
  text(uri: string): string | undefined {
    const n = this.nodes.get(normalizeUri(uri));
    return n?.kind === 'file' ? new TextDecoder().decode(n.data) : undefined;
  }

  private mkdirs(uri: string): void {
    const segments = segmentsOf(uri);
    const base = joinUri(uri, ...segments.map(() => '..'));
    for (let i = 0; i <= segments.length; i++) {
      const key = joinUri(base, ...segments.slice(0, i));
      const existing = this.nodes.get(key);
      if (existing?.kind === 'file') throw new FsError('not_directory', `${key} is a file`);
      if (!existing) this.nodes.set(key, { kind: 'dir', mtime: Date.now() });
    }
  }

  private get(uri: string): Node {
    const n = this.nodes.get(normalizeUri(uri));
    if (!n) throw new FsError('not_found', `${uri} does not exist`);
    return n;
  }

  localPath(): string | undefined {
    return undefined;
  }

  async stat(uri: string): Promise<FileStat | undefined> {
    this.calls.push(`stat ${uri}`);
    const n = this.nodes.get(normalizeUri(uri));
    if (!n) return undefined;
    return n.kind === 'file'
      ? { type: 'file', symlink: false, size: n.data.length, mtime: n.mtime, readonly: n.readonly }
      : { type: 'directory', symlink: false, size: 0, mtime: n.mtime, readonly: false };
  }

  async readFile(uri: string, options: { maxBytes?: number } = {}): Promise<Uint8Array> {
    this.calls.push(`readFile ${uri}`);
    const n = this.get(uri);
    if (n.kind !== 'file') throw new FsError('is_directory', `${uri} is a folder`);
    return n.data.slice(0, options.maxBytes ?? n.data.length);
  }

  async *readChunks(uri: string): AsyncIterable<Uint8Array> {
    const data = await this.readFile(uri);
    for (let i = 0; i < data.length; i += 64 * 1024) yield data.slice(i, i + 64 * 1024);
  }

  async readDirectory(uri: string): Promise<DirEntry[]> {
    this.calls.push(`readDirectory ${uri}`);
    const dir = normalizeUri(uri);
    const n = this.get(dir);
    if (n.kind !== 'dir') throw new FsError('not_directory', `${uri} is a file`);
    const out: DirEntry[] = [];
    for (const [key, node] of this.nodes) {
      const rel = relativeUri(dir, key);
      if (rel && !rel.includes('/'))
        out.push({ name: rel, type: node.kind === 'file' ? 'file' : 'directory', symlink: false });
    }
    return out;
  }

  async writeFile(uri: string, data: Uint8Array): Promise<void> {
    this.calls.push(`writeFile ${uri}`);
    const key = normalizeUri(uri);
    const parent = this.nodes.get(dirnameUri(key));
    if (parent?.kind !== 'dir') throw new FsError('not_found', `the folder of ${uri} does not exist`);
    const existing = this.nodes.get(key);
    if (existing?.kind === 'dir') throw new FsError('is_directory', `${uri} is a folder`);
    if (existing?.readonly) throw new FsError('no_permission', `${uri} is read-only`);
    this.nodes.set(key, { kind: 'file', data: data.slice(), mtime: Date.now(), readonly: false });
  }

  async createDirectory(uri: string): Promise<void> {
    this.calls.push(`createDirectory ${uri}`);
    this.mkdirs(normalizeUri(uri));
  }

  async delete(uri: string): Promise<void> {
    this.calls.push(`delete ${uri}`);
    const key = normalizeUri(uri);
    this.get(key);
    for (const k of [...this.nodes.keys()]) if (relativeUri(key, k) !== undefined) this.nodes.delete(k);
  }

  async rename(from: string, to: string): Promise<void> {
    this.calls.push(`rename ${from} ${to}`);
    const a = normalizeUri(from);
    const b = normalizeUri(to);
    if (this.nodes.has(b)) throw new FsError('exists', `${to} exists`);
    const moved = [...this.nodes].filter(([k]) => relativeUri(a, k) !== undefined);
    if (moved.length === 0) throw new FsError('not_found', `${from} does not exist`);
    this.mkdirs(dirnameUri(b));
    for (const [k] of moved) this.nodes.delete(k);
    for (const [k, node] of moved) this.nodes.set(joinUri(b, relativeUri(a, k)!), node);
  }
}

export interface MemoryHostOptions {
  /** Root URIs (default one: `mem:/workspace`). */
  roots?: string[];
  trusted?: boolean;
}

/** A host over MemoryFs. Tasks and processes need a local folder: there are none. */
export class MemoryHost extends SimulatedEditor implements WorkspaceHost {
  readonly fs: MemoryFs;
  private readonly rootUris: string[];
  private trusted: boolean;

  constructor(options: MemoryHostOptions = {}) {
    super();
    this.rootUris = (options.roots ?? ['mem:/workspace']).map(normalizeUri);
    this.fs = new MemoryFs(this.rootUris);
    this.trusted = options.trusted ?? true;
  }

  /** A URI under the first root. */
  uri(rel: string): string {
    return joinUri(this.rootUris[0]!, rel);
  }

  roots(): string[] {
    return [...this.rootUris];
  }
  isTrusted(): boolean {
    return this.trusted;
  }
  setTrusted(trusted: boolean): void {
    this.trusted = trusted;
  }
  ripgrepPath(): string | undefined {
    return undefined;
  }

  async listTasks(): Promise<TaskList> {
    return { tasks: [], notes: ['(This workspace has no local folder, so it has no tasks to run.)'] };
  }

  async runProcess(): Promise<ProcessResult> {
    throw new Error('this workspace has no local folder to run a process in');
  }

  async applyChanges(changes: FileChange[]): Promise<boolean> {
    const before = new Map<string, string | undefined>();
    for (const c of changes) {
      for (const u of c.kind === 'update' && c.moveTo ? [c.uri, c.moveTo] : [c.uri]) {
        if (!before.has(u)) before.set(u, this.fs.text(u));
      }
    }
    for (const c of changes) {
      const current = this.openDocumentText(c.uri) ?? before.get(c.uri);
      if (c.kind === 'add' ? current !== undefined : current?.replace(/^\uFEFF/, '') !== c.oldText) return false;
      if (c.kind === 'update' && c.moveTo && c.moveTo !== c.uri && before.get(c.moveTo) !== undefined) return false;
      if (c.kind !== 'add' && (await this.fs.stat(c.uri))?.readonly && this.openDocumentText(c.uri) === undefined)
        return false;
    }
    try {
      for (const c of changes) {
        if (c.kind === 'delete') {
          await this.fs.delete(c.uri);
          continue;
        }
        if (c.kind === 'update' && this.openDocumentText(c.uri) !== undefined && !c.moveTo) {
          this.setOpenDocument(c.uri, c.newText);
          continue;
        }
        const target = c.kind === 'update' && c.moveTo ? c.moveTo : c.uri;
        await this.fs.createDirectory(dirnameUri(target));
        await this.fs.writeFile(target, encoder.encode((c.kind === 'update' && c.bom ? '\uFEFF' : '') + c.newText));
        if (target !== c.uri) await this.fs.delete(c.uri);
      }
      return true;
    } catch {
      for (const [u, text] of before) {
        if (text === undefined) await this.fs.delete(u).catch(() => {});
        else this.fs.put(u, text);
      }
      return false;
    }
  }
}
