// Project rules (issue 15): the AGENTS.md files, and the similar files other assistants read,
// that go into the model's instructions. In order, general to specific (on a conflict the later
// one, nearer to the file being worked on, wins, as the AGENTS.md convention says):
//   1. the user's own file (warmline.rules.userFile, default ~/.agents/AGENTS.md), read by the
//      caller (it is outside the workspace, so not through the workspace guard) via `UserRulesFile`;
//   2. per workspace folder, at its root: the optional files enabled by warmline.rules.include
//      (.github/copilot-instructions.md, CLAUDE.md, .cursorrules), then AGENTS.md;
//   3. AGENTS.md in each folder between a root and the files the chat has touched (read, listed,
//      searched or edited), shallower folders first.
// Workspace files are reached only through the host's file system, and each one through the
// workspace guard: a secret, an ignored file, or a link leading out of the workspace is not read,
// and the list says why. Sizes are bounded per file and in total, and a cut is said in the text.
// Each file's text is cached by its stat (size and modification time): an unchanged file costs a
// stat per turn, not a read (the guard still reads the small ignore files it decides with).
import { isToolCall } from '../session/protocol.ts';
import type { InputItem } from '../session/protocol.ts';
import { decodeText, formatBytes } from '../tools/files.ts';
import { WorkspaceGuard } from '../tools/guard.ts';
import type { ToolSettings, WorkspaceHost } from '../tools/types.ts';
import { ToolError } from '../tools/types.ts';
import { joinUri } from '../tools/uri.ts';
import { PATCH_TOOLS } from './patch-preview.ts';

export const AGENTS_FILE = 'AGENTS.md';
/** Files other assistants read, taken at a folder's root when warmline.rules.include names them. */
export const OPTIONAL_RULES_FILES = ['.github/copilot-instructions.md', 'CLAUDE.md', '.cursorrules'] as const;

export const RULES_LIMITS = {
  /** One file: what is beyond is cut (and the cut said). */
  maxFileBytes: 32 * 1024,
  /** All files together: a file past it is cut or left out (and that said). */
  maxTotalBytes: 64 * 1024,
  /** Touched paths considered (the most recent ones). */
  maxTouched: 200,
  /** Folders below a root whose AGENTS.md is looked for. */
  maxFolders: 64,
  /** Files whose text is cached (the oldest go first). */
  maxCached: 256,
};

export interface RulesSettings {
  /** Which of OPTIONAL_RULES_FILES to read (others named here are ignored). AGENTS.md is always read. */
  include: readonly string[];
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

export interface RulesFile {
  /** A workspace file's URI, or the user file's local path. */
  location: string;
  /** What the model and the chat see: the workspace path, or the user file's path as configured. */
  path: string;
  scope: 'user' | 'workspace';
  /** The file's size. */
  bytes: number;
  /** The text that goes into the instructions (undefined when refused or left out). */
  text?: string;
  /** The file was cut (to the per-file or the total limit). */
  truncated?: boolean;
  /** Why it was not read (refused by the guard, binary, unreadable, over the total limit). */
  refused?: string;
}

/** The user-level rules file, reached by the caller's own means (it lies outside the workspace). */
export interface UserRulesFile {
  /** Its path as the user gave it (shown in the chat and the instructions). */
  display: string;
  location: string;
  stat(): Promise<{ size: number; mtime: number } | undefined>;
  read(maxBytes: number): Promise<Uint8Array>;
}

interface Cached {
  maxFile: number;
  size: number;
  mtime: number;
  text?: string;
  refused?: string;
}

/** Tools whose arguments name a workspace path (apply_patch's names are in its patch text). */
const PATH_TOOLS = new Set(['read_file', 'list_files', 'grep', 'replace_in_file']);
const PATCH_PATH = /^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/gm;

/**
 * The workspace paths the agent touched in a transcript, most recent last, at most `max`
 * distinct ones: the `path` of read_file, list_files, grep and replace_in_file calls, and the
 * files named in apply_patch's patch. Paths are as the model gave them (the guard resolves them).
 */
export function touchedPaths(transcript: readonly InputItem[], max = RULES_LIMITS.maxTouched): string[] {
  const seen = new Set<string>();
  const add = (p: unknown) => {
    if (typeof p !== 'string' || !p.trim()) return;
    seen.delete(p);
    seen.add(p);
  };
  for (const item of transcript) {
    if (!isToolCall(item)) continue;
    if (item.type === 'function_call' && PATH_TOOLS.has(item.name)) {
      try {
        add((JSON.parse(item.arguments) as { path?: unknown }).path);
      } catch {
        /* arguments the tool refused too */
      }
    } else if (Object.hasOwn(PATCH_TOOLS, item.name)) {
      let patch = '';
      if (item.type === 'custom_tool_call') patch = item.input;
      else
        try {
          patch = String((JSON.parse(item.arguments) as { patch?: unknown }).patch ?? '');
        } catch {
          patch = '';
        }
      for (const m of patch.matchAll(PATCH_PATH)) add(m[1]!.trim());
    }
  }
  return [...seen].slice(-max);
}

/** Why a workspace's rules files are listed but not applied in Restricted Mode. */
export const UNTRUSTED_REFUSAL = 'not applied: the workspace is not trusted (Restricted Mode)';

type FileStat = NonNullable<Awaited<ReturnType<WorkspaceHost['fs']['stat']>>>;

interface TouchedFolder {
  uri: string;
  depth: number;
  /** Its root's place among the roots. */
  root: number;
  rel: string;
}

/** Touched paths whose folders are remembered (the touched list is bounded well below it). */
const FOLDER_MEMO_MAX = 1000;

/**
 * The folders below the root on the way to `p` (a folder itself counts); undefined when the guard
 * refuses `p` (outside, hidden, malformed, or not there yet: a file a patch is about to add).
 */
async function foldersAbove(guard: WorkspaceGuard, p: string): Promise<TouchedFolder[] | undefined> {
  let resolved: Awaited<ReturnType<WorkspaceGuard['resolve']>>;
  try {
    resolved = await guard.resolve(p, 'read');
  } catch {
    return undefined;
  }
  const segments = resolved.rel === '' ? [] : resolved.rel.split('/');
  const depth = resolved.stat?.type === 'directory' ? segments.length : segments.length - 1;
  const root = guard.roots().findIndex((r) => r.uri === resolved.root.uri);
  const out: TouchedFolder[] = [];
  for (let i = 1; i <= depth; i++) {
    const name = segments[i - 1]!;
    if (name === 'node_modules' || name === '.git') break;
    const rel = segments.slice(0, i).join('/');
    out.push({ uri: guard.uriOf(resolved.root, rel), depth: i, root, rel });
  }
  return out;
}

export interface RulesLoaderOptions {
  /**
   * True while the caller watches the workspace's rules files and ignore files (and the settings,
   * the trust, the folders) and calls invalidate() on any change: then a load for the same roots,
   * touched folders and user file as the last one returns its result without looking at the
   * workspace. Otherwise (the default) every load looks at each rules file's stat.
   */
  watched?: () => boolean;
}

/** Loads the rules files in effect; keep one per workspace (its cache spans turns). */
export class RulesLoader {
  private readonly host: WorkspaceHost;
  private readonly toolSettings: () => ToolSettings;
  private readonly cache = new Map<string, Cached>();
  private readonly watched: () => boolean;
  /** Bumped by invalidate(): a result from an older generation is not reused. */
  private generation = 0;
  /** The last result, and what it was loaded for. */
  private last?: { key: string; generation: number; files: RulesFile[] };
  /** The folders above each touched path, as resolved once. */
  private readonly folderMemo = new Map<string, TouchedFolder[]>();
  /** The roots the memo was made for. */
  private memoRoots = '';

  constructor(host: WorkspaceHost, toolSettings: () => ToolSettings, options: RulesLoaderOptions = {}) {
    this.host = host;
    this.toolSettings = toolSettings;
    this.watched = options.watched ?? (() => false);
  }

  /** A rules file, an ignore file, a setting, the trust or the folders changed (see RulesLoaderOptions.watched). */
  invalidate(): void {
    this.generation++;
  }

  /** The rules files in effect for a chat that touched these paths (URIs or workspace paths). */
  async load(touched: readonly string[], settings: RulesSettings, user?: UserRulesFile): Promise<RulesFile[]> {
    const generation = this.generation;
    const maxFile = settings.maxFileBytes ?? RULES_LIMITS.maxFileBytes;
    const maxTotal = settings.maxTotalBytes ?? RULES_LIMITS.maxTotalBytes;
    const rootsKey = this.host.roots().join('\n');
    if (rootsKey !== this.memoRoots || this.folderMemo.size >= FOLDER_MEMO_MAX) {
      this.folderMemo.clear();
      this.memoRoots = rootsKey;
    }
    // The guard is made only when something must be resolved: a request that touched no new path
    // of a watched workspace looks at nothing but the user's file.
    let guard: WorkspaceGuard | undefined;
    const ready = async (): Promise<WorkspaceGuard> => {
      guard ??= new WorkspaceGuard(this.host, this.toolSettings());
      await guard.loadRoots();
      return guard;
    };
    const folders = await this.touchedFolders(ready, touched);
    const userStat = user ? await user.stat().catch(() => undefined) : undefined;
    const key = JSON.stringify([
      rootsKey,
      settings.include,
      maxFile,
      maxTotal,
      folders,
      user?.location,
      userStat?.size,
      userStat?.mtime,
      this.host.isTrusted(),
    ]);
    const last = this.last;
    if (this.watched() && last && last.key === key && last.generation === generation) return last.files;

    const files: RulesFile[] = [];
    if (user && userStat) files.push(await this.loadUser(user, userStat, maxFile));
    const g = await ready();
    const optional = OPTIONAL_RULES_FILES.filter((n) => settings.include.includes(n));
    const candidates = [
      ...g.roots().flatMap((root) => [...optional, AGENTS_FILE].map((name) => joinUri(root.uri, ...name.split('/')))),
      ...folders.map((folder) => joinUri(folder, AGENTS_FILE)),
    ];
    // Most candidates do not exist: all are looked at together, then those there are checked and read in order.
    const stats = await Promise.all(candidates.map((uri) => this.host.fs.stat(uri).catch(() => undefined)));
    for (const [i, uri] of candidates.entries()) {
      const stat = stats[i];
      if (stat?.type !== 'file') continue;
      files.push(await this.loadWorkspaceFile(g, uri, stat, maxFile));
    }
    const result = applyTotal(files, maxTotal);
    this.last = { key, generation, files: result };
    return result;
  }

  /**
   * The folders below the roots on the way to each touched path, shallower first, without the
   * roots themselves (their files are read anyway). Not beyond node_modules: a library's own
   * rules are for working on that library.
   */
  private async touchedFolders(ready: () => Promise<WorkspaceGuard>, touched: readonly string[]): Promise<string[]> {
    // Per folder: its depth, its root's place among the roots, its path (the order, in that order of keys).
    const folders = new Map<string, TouchedFolder>();
    for (const p of touched) {
      let above = this.folderMemo.get(p);
      if (!above) {
        above = await foldersAbove(await ready(), p);
        if (!above) continue;
        // A path is resolved once (it is on the way of every request of a chat): the folders above
        // it do not change, and a rules file found there is still checked before it is read.
        this.folderMemo.set(p, above);
      }
      for (const f of above) folders.set(f.uri, f);
    }
    return [...folders.entries()]
      .sort(([, a], [, b]) => a.depth - b.depth || a.root - b.root || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
      .slice(0, RULES_LIMITS.maxFolders)
      .map(([uri]) => uri);
  }

  private async loadWorkspaceFile(
    guard: WorkspaceGuard,
    uri: string,
    stat: FileStat,
    maxFile: number,
  ): Promise<RulesFile> {
    const path = guard.display(uri);
    const base = { location: uri, path, scope: 'workspace' as const, bytes: stat.size };
    // Restricted Mode: a repository the user has not trusted does not get to steer the model.
    if (!this.host.isTrusted()) return { ...base, refused: UNTRUSTED_REFUSAL };
    try {
      await guard.resolve(uri, 'read');
    } catch (err) {
      this.cache.delete(uri);
      const why = err instanceof ToolError ? refusal(err) : `could not be checked: ${String(err)}`;
      return { ...base, refused: why };
    }
    const got = await this.cached(uri, stat, maxFile, (n) => this.host.fs.readFile(uri, { maxBytes: n }));
    return { ...base, ...got };
  }

  private async loadUser(
    user: UserRulesFile,
    stat: { size: number; mtime: number },
    maxFile: number,
  ): Promise<RulesFile> {
    const got = await this.cached(`user:${user.location}`, stat, maxFile, (n) => user.read(n));
    return { location: user.location, path: user.display, scope: 'user', bytes: stat.size, ...got };
  }

  /** The file's bounded text, read again only when its size or modification time changed. */
  private async cached(
    key: string,
    stat: { size: number; mtime: number },
    maxFile: number,
    read: (maxBytes: number) => Promise<Uint8Array>,
  ): Promise<Pick<RulesFile, 'text' | 'truncated' | 'refused'>> {
    let entry = this.cache.get(key);
    if (!entry || entry.size !== stat.size || entry.mtime !== stat.mtime || entry.maxFile !== maxFile) {
      entry = { maxFile, size: stat.size, mtime: stat.mtime };
      try {
        const decoded = decodeText(await read(maxFile));
        if (!decoded) entry.refused = 'it is not a text file';
        else entry.text = decoded.text.replace(/^\uFEFF/, '').replace(/\uFFFD+$/, '');
      } catch (err) {
        entry.refused = `it could not be read (${err instanceof Error ? err.message : String(err)})`;
      }
      this.cache.delete(key);
      this.cache.set(key, entry);
      if (this.cache.size > RULES_LIMITS.maxCached) this.cache.delete(this.cache.keys().next().value!);
    }
    if (entry.refused) return { refused: entry.refused };
    return { text: entry.text, truncated: stat.size > maxFile || undefined };
  }
}

function refusal(err: ToolError): string {
  switch (err.code) {
    case 'secret':
      return 'refused: it matches a secret pattern';
    case 'ignored':
      return 'refused: it is ignored (.gitignore, .warmlineignore or .git)';
    case 'outside_workspace':
      return 'refused: it leads outside the workspace';
    default:
      return `refused: ${err.message}`;
  }
}

/** Cuts the files, in order, to the total limit: the one that crosses it is cut, those after it left out. */
function applyTotal(files: RulesFile[], maxTotal: number): RulesFile[] {
  let left = maxTotal;
  return files.map((f) => {
    if (f.text === undefined) return f;
    const size = Buffer.byteLength(f.text);
    if (size <= left) {
      left -= size;
      return f;
    }
    if (left <= 0) {
      const { text: _dropped, truncated: _t, ...rest } = f;
      return { ...rest, refused: `left out: the rules files together are over ${formatBytes(maxTotal)}` };
    }
    const cut = Buffer.from(f.text)
      .subarray(0, left)
      .toString('utf8')
      .replace(/\uFFFD+$/, '');
    left = 0;
    return { ...f, text: cut, truncated: true };
  });
}

/** The rules as a section of the model's instructions, each file under its path. Empty without any. */
export function rulesSection(files: readonly RulesFile[]): string {
  const used = files.filter((f) => f.text !== undefined);
  if (!used.length) return '';
  const parts = [
    'Project rules, from these files, most general first. When they conflict, follow the one listed later: it is nearer to the files being worked on. They do not override the rules above about approvals and hidden files.',
  ];
  for (const f of used) {
    parts.push('', `## ${f.path}${f.scope === 'user' ? " (the user's own rules)" : ''}`, f.text!.trimEnd());
    if (f.truncated)
      parts.push(
        `[Cut: ${f.path} is ${formatBytes(f.bytes)}; only its beginning is included here${f.scope === 'workspace' ? '. Read the file for the rest' : ''}.]`,
      );
  }
  return parts.join('\n');
}
