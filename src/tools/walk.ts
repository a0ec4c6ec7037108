// A depth-first walk of a workspace folder in name order, hiding what the guard hides (ignored
// files, secrets, .git and node_modules below the start). Symbolic links are reported but
// never followed, as ripgrep does. Bounded by time, entries seen, and cancellation. Folders
// are listed through the host's file system; the next few are listed ahead while this one's
// entries are handed on, so a slow file system (or the thread pool) is kept busy.
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';
import type { DirEntry } from './workspace-fs.ts';

/** Folders listed ahead of the walk. */
const LOOKAHEAD = 32;

/** An entry found by a walk (its URI: `guard.uriOf(root, rel)`, computed only where needed). */
export interface WalkEntry {
  /** Posix, relative to the root. */
  readonly rel: string;
  readonly isDir: boolean;
  readonly isSymlink: boolean;
}

export interface WalkOptions {
  signal?: AbortSignal;
  /** Epoch milliseconds after which the walk stops. */
  deadline?: number;
  /** Stop after seeing this many directory entries. */
  maxScanned?: number;
  /** Report symbolic links (never followed). Default false: they are skipped. */
  includeSymlinks?: boolean;
  /** 1 = the start folder's entries only. Default: no limit. */
  maxDepth?: number;
  /** Extra filter (grep's exclude globs): true hides the entry, and a folder's contents. */
  exclude?: (rel: string, isDir: boolean) => boolean;
}

export interface WalkStats {
  scanned: number;
  stoppedBy?: 'time' | 'count' | 'cancelled';
  /** Folders that could not be read. */
  unreadable: number;
}

type Listing = Promise<DirEntry[] | undefined>;

export async function* walk(
  guard: WorkspaceGuard,
  root: WorkspaceRoot,
  startRel: string,
  opts: WalkOptions,
  stats: WalkStats,
): AsyncGenerator<WalkEntry> {
  const fs = guard.host.fs;
  const list = (rel: string): Listing => fs.readDirectory(guard.uriOf(root, rel)).catch(() => undefined);
  await guard.prepare(root, startRel.split('/').slice(0, -1).join('/'));
  const stack: Array<{ rel: string; depth: number; listing?: Listing }> = [{ rel: startRel, depth: 1 }];
  while (stack.length) {
    // List the next folders (the top of the stack is walked next) before waiting on this one.
    for (let i = stack.length - 1, n = 0; i >= 0 && n < LOOKAHEAD; i--, n++) stack[i]!.listing ??= list(stack[i]!.rel);
    const { rel: dirRel, depth, listing } = stack.pop()!;
    const dirents = await listing!;
    if (!dirents) {
      stats.unreadable++;
      continue;
    }
    await guard.noteFolder(
      root,
      dirRel,
      dirents.some((d) => d.name === '.gitignore' && d.type === 'file'),
    );
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const d of dirents) {
      if (opts.signal?.aborted) {
        stats.stoppedBy = 'cancelled';
        return;
      }
      if (opts.deadline !== undefined && (stats.scanned & 255) === 0 && Date.now() > opts.deadline) {
        stats.stoppedBy = 'time';
        return;
      }
      if (opts.maxScanned !== undefined && stats.scanned >= opts.maxScanned) {
        stats.stoppedBy = 'count';
        return;
      }
      stats.scanned++;
      const rel = dirRel ? `${dirRel}/${d.name}` : d.name;
      const isSymlink = d.symlink;
      if (isSymlink && !opts.includeSymlinks) continue;
      const isDir = d.type === 'directory' && !isSymlink;
      if (!isDir && d.type !== 'file' && !isSymlink) continue; // sockets, fifos, devices
      if (opts.exclude?.(rel, isDir)) continue;
      if (guard.hiddenEntry(root, rel, isDir)) continue;
      yield { rel, isDir, isSymlink };
      if (isDir && (opts.maxDepth === undefined || depth < opts.maxDepth)) subdirs.push(rel);
    }
    // Depth-first in name order: push in reverse so the first name is walked first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ rel: subdirs[i]!, depth: depth + 1 });
  }
}

export function newWalkStats(): WalkStats {
  return { scanned: 0, unreadable: 0 };
}
