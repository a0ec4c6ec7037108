// Reading workspace text: the editor's unsaved buffer when the file is open and dirty, else
// the disk; binaries refused (a NUL byte), sizes checked before anything is loaded. The text
// comes without its UTF-8 byte order mark (the `bom` flag says it had one, so an edit writes it
// back); a file to edit must be writable. Files are reached through the host's file system.
import { ToolError } from './types.ts';
import type { WorkspaceHost } from './types.ts';
import type { FileStat } from './workspace-fs.ts';

export type TextEncodingName = 'utf8' | 'utf16le' | 'utf16be';

/** Decodes file bytes as text; undefined when they look binary (a NUL outside UTF-16). */
export function decodeText(buf: Uint8Array): { text: string; encoding: TextEncodingName } | undefined {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe)
    return decodedOrBinary(new TextDecoder('utf-16le').decode(buf.subarray(2)), 'utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff)
    return decodedOrBinary(new TextDecoder('utf-16be').decode(buf.subarray(2)), 'utf16be');
  if (buf.indexOf(0) !== -1) return undefined;
  return { text: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'), encoding: 'utf8' };
}

function decodedOrBinary(
  text: string,
  encoding: TextEncodingName,
): { text: string; encoding: TextEncodingName } | undefined {
  return text.includes('\0') ? undefined : { text, encoding };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export interface LoadedText {
  /** Without a leading byte order mark. */
  text: string;
  /** 'editor' when the text came from an open document with unsaved changes. */
  source: 'editor' | 'disk';
  encoding: TextEncodingName;
  /** The file starts with a UTF-8 byte order mark. */
  bom: boolean;
}

const BOM = '\uFEFF';

/** A text without its leading byte order mark, and whether it had one. */
export function stripBom(text: string): { text: string; bom: boolean } {
  return text.charCodeAt(0) === 0xfeff ? { text: text.slice(1), bom: true } : { text, bom: false };
}

/** The text to write for a file that had (or had not) a byte order mark. */
export function withBom(text: string, bom: boolean | undefined): string {
  return bom ? BOM + text : text;
}

/** Whether the file on disk starts with a UTF-8 byte order mark (false when it cannot be read). */
export async function diskHasBom(host: WorkspaceHost, uri: string): Promise<boolean> {
  try {
    const head = await host.fs.readFile(uri, { maxBytes: 3 });
    return head.length === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  } catch {
    return false;
  }
}

/**
 * Refuses to edit a file that is read-only (no write permission for this process, or a
 * read-only file system). Edits write a new file and rename it over the old one, which would
 * otherwise replace a read-only file silently.
 */
export async function refuseReadOnly(host: WorkspaceHost, uri: string, display: string): Promise<void> {
  let stat: FileStat | undefined;
  try {
    stat = await host.fs.stat(uri);
  } catch {
    return;
  }
  if (stat?.type !== 'file' || !stat.readonly) return; // a new file: its folder decides
  const mode = stat.mode !== undefined ? ` (mode ${stat.mode.toString(8).padStart(4, '0')})` : '';
  throw new ToolError(
    'read_only',
    `'${display}' is read-only${mode}, so it was not changed. If it should be edited, ask the user to make it writable.`,
  );
}

/**
 * The full text of a file for reading or editing. Throws 'not_found', 'binary' or 'too_large'
 * (naming the size and the limit). `display` is the path the model used.
 */
export async function loadText(
  host: WorkspaceHost,
  uri: string,
  display: string,
  maxBytes: number,
  purpose: 'read' | 'edit',
): Promise<LoadedText> {
  if (purpose === 'edit') await refuseReadOnly(host, uri, display);
  const open = host.openDocumentText(uri);
  if (open !== undefined) {
    const size = Buffer.byteLength(open, 'utf8');
    if (size > maxBytes) throw tooLarge(display, size, maxBytes, purpose);
    // An editor's text has no BOM of its own (VS Code keeps the encoding apart): the disk says.
    const { text, bom } = stripBom(open);
    return { text, source: 'editor', encoding: 'utf8', bom: bom || (await diskHasBom(host, uri)) };
  }
  let stat: FileStat | undefined;
  try {
    stat = await host.fs.stat(uri);
  } catch {
    stat = undefined;
  }
  if (!stat) throw new ToolError('not_found', `'${display}' does not exist.`);
  if (stat.type === 'directory')
    throw new ToolError(
      'invalid_arguments',
      `'${display}' is a folder, not a file; use list_files to see what it contains.`,
    );
  if (stat.size > maxBytes) {
    // Say "binary" rather than "too large" when it is both: a range read would not help.
    if (await looksBinary(host, uri)) throw binaryError(display, stat.size);
    throw tooLarge(display, stat.size, maxBytes, purpose);
  }
  let buf: Uint8Array;
  try {
    buf = await host.fs.readFile(uri);
  } catch (e) {
    throw new ToolError('failed', `'${display}' could not be read: ${(e as Error).message}`);
  }
  const decoded = decodeText(buf);
  if (!decoded) throw binaryError(display, buf.length);
  if (purpose === 'edit' && decoded.encoding !== 'utf8') {
    throw new ToolError(
      'failed',
      `'${display}' is encoded as ${decoded.encoding === 'utf16le' ? 'UTF-16 LE' : 'UTF-16 BE'}; the edit tools write UTF-8 only, so it was not changed.`,
    );
  }
  const { text, bom } = stripBom(decoded.text);
  return { text, source: 'disk', encoding: decoded.encoding, bom: bom && decoded.encoding === 'utf8' };
}

/** Checks the first 8 KB for a NUL byte (or a UTF-16 BOM, which is text). */
export async function looksBinary(host: WorkspaceHost, uri: string): Promise<boolean> {
  const head = await host.fs.readFile(uri, { maxBytes: 8192 });
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)))
    return false;
  return head.indexOf(0) !== -1;
}

export function binaryError(display: string, size: number): ToolError {
  return new ToolError(
    'binary',
    `'${display}' is a binary file (${formatBytes(size)}); the tools read text files only.`,
  );
}

function tooLarge(display: string, size: number, maxBytes: number, purpose: 'read' | 'edit'): ToolError {
  const advice =
    purpose === 'read'
      ? 'Read a line range (start_line and end_line), or use grep to find the part you need.'
      : 'Edit it with smaller tools outside Warmline, or ask the user.';
  return new ToolError(
    'too_large',
    `'${display}' is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for ${purpose === 'read' ? 'reading a whole file' : 'editing'}. ${advice}`,
  );
}

/** Line ending style of a text: CRLF when most line ends are CRLF. */
export function detectEol(text: string): '\n' | '\r\n' {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1;
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
}
