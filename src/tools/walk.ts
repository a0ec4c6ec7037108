// A depth-first walk of a workspace folder in name order, hiding what the guard hides (ignored
// files, secrets, .git and node_modules below the start). Symbolic links are reported but
// never followed, as ripgrep does. Bounded by time, entries seen, and cancellation.
import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceGuard, WorkspaceRoot } from './guard.ts';

/** Longest stretch of synchronous file-system work before yielding to the event loop. */
export const SLICE_MS = 10;

export interface WalkEntry {
  readonly abs: string;
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

export async function* walk(guard: WorkspaceGuard, root: WorkspaceRoot, startRel: string, opts: WalkOptions, stats: WalkStats): AsyncGenerator<WalkEntry> {
  const stack: Array<[string, number]> = [[startRel, 1]];
  let slice = performance.now();
  while (stack.length) {
    const [dirRel, depth] = stack.pop()!;
    let dirents: fs.Dirent[];
    try {
      // Synchronous reads in short slices: much faster than the promise API, and the walk
      // yields to the event loop every few milliseconds so the host stays responsive.
      dirents = fs.readdirSync(path.join(root.path, ...dirRel.split('/').filter(Boolean)), { withFileTypes: true });
    } catch {
      stats.unreadable++;
      continue;
    }
    if (performance.now() - slice > SLICE_MS) {
      await new Promise((r) => setImmediate(r));
      slice = performance.now();
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const d of dirents) {
      if (opts.signal?.aborted) { stats.stoppedBy = 'cancelled'; return }
      if (opts.deadline !== undefined && (stats.scanned & 255) === 0 && Date.now() > opts.deadline) { stats.stoppedBy = 'time'; return }
      if (opts.maxScanned !== undefined && stats.scanned >= opts.maxScanned) { stats.stoppedBy = 'count'; return }
      stats.scanned++;
      const rel = dirRel ? `${dirRel}/${d.name}` : d.name;
      const isSymlink = d.isSymbolicLink();
      if (isSymlink && !opts.includeSymlinks) continue;
      const isDir = d.isDirectory();
      if (!isDir && !d.isFile() && !isSymlink) continue; // sockets, fifos, devices
      if (opts.exclude?.(rel, isDir)) continue;
      if (guard.hiddenEntry(root, rel, isDir)) continue;
      yield { abs: path.join(root.path, ...rel.split('/')), rel, isDir, isSymlink };
      if (isDir && (opts.maxDepth === undefined || depth < opts.maxDepth)) subdirs.push(rel);
    }
    // Depth-first in name order: push in reverse so the first name is walked first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push([subdirs[i]!, depth + 1]);
  }
}

export function newWalkStats(): WalkStats {
  return { scanned: 0, unreadable: 0 };
}
