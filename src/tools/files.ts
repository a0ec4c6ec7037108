// Reading workspace text: the editor's unsaved buffer when the file is open and dirty, else
// the disk; binaries refused (a NUL byte), sizes checked before anything is loaded.
import fs from 'node:fs';
import { ToolError } from './types.ts';
import type { WorkspaceHost } from './types.ts';

export type TextEncodingName = 'utf8' | 'utf16le' | 'utf16be';

/** Decodes file bytes as text; undefined when they look binary (a NUL outside UTF-16). */
export function decodeText(buf: Uint8Array): { text: string; encoding: TextEncodingName } | undefined {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return decodedOrBinary(new TextDecoder('utf-16le').decode(buf.subarray(2)), 'utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return decodedOrBinary(new TextDecoder('utf-16be').decode(buf.subarray(2)), 'utf16be');
  if (buf.indexOf(0) !== -1) return undefined;
  return { text: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'), encoding: 'utf8' };
}

function decodedOrBinary(text: string, encoding: TextEncodingName): { text: string; encoding: TextEncodingName } | undefined {
  return text.includes('\0') ? undefined : { text, encoding };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export interface LoadedText {
  text: string;
  /** 'editor' when the text came from an open document with unsaved changes. */
  source: 'editor' | 'disk';
  encoding: TextEncodingName;
}

/**
 * The full text of a file for reading or editing. Throws 'not_found', 'binary' or 'too_large'
 * (naming the size and the limit). `display` is the path the model used.
 */
export async function loadText(host: WorkspaceHost, abs: string, display: string, maxBytes: number, purpose: 'read' | 'edit'): Promise<LoadedText> {
  const open = host.openDocumentText(abs);
  if (open !== undefined) {
    const size = Buffer.byteLength(open, 'utf8');
    if (size > maxBytes) throw tooLarge(display, size, maxBytes, purpose);
    return { text: open, source: 'editor', encoding: 'utf8' };
  }
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(abs);
  } catch {
    throw new ToolError('not_found', `'${display}' does not exist.`);
  }
  if (stat.isDirectory()) throw new ToolError('invalid_arguments', `'${display}' is a folder, not a file; use list_files to see what it contains.`);
  if (stat.size > maxBytes) {
    // Say "binary" rather than "too large" when it is both: a range read would not help.
    if (await looksBinary(abs)) throw binaryError(display, stat.size);
    throw tooLarge(display, stat.size, maxBytes, purpose);
  }
  const buf = await fs.promises.readFile(abs);
  const decoded = decodeText(buf);
  if (!decoded) throw binaryError(display, buf.length);
  if (purpose === 'edit' && decoded.encoding !== 'utf8') {
    throw new ToolError('failed', `'${display}' is encoded as ${decoded.encoding === 'utf16le' ? 'UTF-16 LE' : 'UTF-16 BE'}; the edit tools write UTF-8 only, so it was not changed.`);
  }
  return { text: decoded.text, source: 'disk', encoding: decoded.encoding };
}

/** Checks the first 8 KB for a NUL byte (or a UTF-16 BOM, which is text). */
export async function looksBinary(abs: string): Promise<boolean> {
  const fh = await fs.promises.open(abs, 'r');
  try {
    const buf = Buffer.alloc(8192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return false;
    return head.indexOf(0) !== -1;
  } finally {
    await fh.close();
  }
}

export function binaryError(display: string, size: number): ToolError {
  return new ToolError('binary', `'${display}' is a binary file (${formatBytes(size)}); the tools read text files only.`);
}

function tooLarge(display: string, size: number, maxBytes: number, purpose: 'read' | 'edit'): ToolError {
  const advice = purpose === 'read'
    ? 'Read a line range (start_line and end_line), or use grep to find the part you need.'
    : 'Edit it with smaller tools outside Warmline, or ask the user.';
  return new ToolError('too_large', `'${display}' is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for ${purpose === 'read' ? 'reading a whole file' : 'editing'}. ${advice}`);
}

/** Line ending style of a text: CRLF when most line ends are CRLF. */
export function detectEol(text: string): '\n' | '\r\n' {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1;
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
}
