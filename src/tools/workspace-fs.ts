// The file-system port: the only way the tools reach workspace files. Locations are URI strings
// (src/tools/uri.ts). Three implementations: NodeFs (node:fs/promises, for `file:`; used by
// NodeHost and, as a fast path, by the VS Code host for `file:` folders), the VS Code host's
// adapter over vscode.workspace.fs (any scheme a FileSystemProvider serves: virtual
// workspaces), and MemoryFs (unit tests).

export type FileType = 'file' | 'directory' | 'other';

export interface FileStat {
  type: FileType;
  /** The entry itself is a symbolic link (the type is its target's). */
  symlink: boolean;
  size: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  /** Not writable: no write permission, or a read-only file system. */
  readonly: boolean;
  /** POSIX permission bits, where the scheme has them. */
  mode?: number;
}

export interface DirEntry {
  name: string;
  /** For a symbolic link: 'other' (links are reported, never followed, when listing). */
  type: FileType;
  symlink: boolean;
}

/** Why a file-system call failed, in the host's words; `code` for the tools' decisions. */
export class FsError extends Error {
  readonly code: 'not_found' | 'is_directory' | 'not_directory' | 'exists' | 'no_permission' | 'unavailable' | 'other';
  constructor(code: FsError['code'], message: string) {
    super(message);
    this.name = 'FsError';
    this.code = code;
  }
}

export interface WorkspaceFs {
  /** Follows symbolic links; undefined when nothing is there (or a link dangles). */
  stat(uri: string): Promise<FileStat | undefined>;
  /** The whole file, or its first `maxBytes` bytes. Throws FsError. */
  readFile(uri: string, options?: { maxBytes?: number }): Promise<Uint8Array>;
  /** The file in chunks (for reading a range of lines out of a large file). */
  readChunks(uri: string): AsyncIterable<Uint8Array>;
  /** The entries of a folder, unsorted. Throws FsError. */
  readDirectory(uri: string): Promise<DirEntry[]>;
  writeFile(uri: string, data: Uint8Array): Promise<void>;
  /** Creates the folder and any missing parents. */
  createDirectory(uri: string): Promise<void>;
  delete(uri: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /**
   * Where the scheme has symbolic links the host can resolve (`file:`): the real location, links
   * resolved; for a path that does not exist yet, its deepest existing ancestor resolved and the
   * rest appended (a dangling link resolves to its target). Absent elsewhere.
   */
  realpath?(uri: string): Promise<string>;
  /**
   * Local file systems only: a small file (an ignore file) read synchronously; undefined when
   * it is not a file. For the folders met while ripgrep's streamed results are checked, a check
   * that runs inside the stream's reading; everything else uses the asynchronous calls.
   */
  readIgnoreFileSync?(uri: string): Uint8Array | undefined;
  /** The local path of a URI when the tools may use local-only means on it (ripgrep, processes). */
  localPath(uri: string): string | undefined;
}

/** A file's text (UTF-8, a byte order mark dropped); undefined when it cannot be read (missing, a folder, …). */
export async function readText(fs: WorkspaceFs, uri: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await fs.readFile(uri));
  } catch {
    return undefined;
  }
}

export function fsErrorCode(e: unknown): FsError['code'] | undefined {
  return e instanceof FsError ? e.code : undefined;
}
