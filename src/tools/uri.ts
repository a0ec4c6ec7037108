// Workspace locations as URI strings ("file:///home/a/src/x.ts", "memfs:/project/x.ts",
// "vscode-vfs://github/owner/repo/x.ts"): what the tools hand the host's file system. Every URI
// the tools build has the same form: `scheme://authority` then the path, each segment
// percent-encoded with encodeURIComponent, so two URIs of one file compare equal as strings.
// Roots from the host are normalised to that form once (normalizeUri).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** "scheme:" with at least two letters (so "C:\x" stays a Windows path). */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

export function isUri(s: string): boolean {
  return SCHEME.test(s);
}

export function schemeOf(uri: string): string {
  return SCHEME.exec(uri)?.[1]?.toLowerCase() ?? '';
}

/** Splits a URI into its `scheme://authority` (or `scheme:`) prefix and its path (still encoded). */
function split(uri: string): { prefix: string; path: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]+:)(\/\/[^/?#]*)?([^?#]*)/.exec(uri);
  if (!m) throw new Error(`not a URI: ${uri}`);
  return { prefix: m[1]!.toLowerCase() + (m[2] ?? ''), path: m[3] || '/' };
}

const decodeSegment = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The decoded path segments of a URI ('' segments dropped). */
export function segmentsOf(uri: string): string[] {
  return split(uri)
    .path.split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
}

function build(prefix: string, segments: readonly string[]): string {
  return `${prefix}/${segments.map(encodeURIComponent).join('/')}`;
}

/** The canonical form of a URI (query and fragment dropped; a trailing slash removed). */
export function normalizeUri(uri: string): string {
  const { prefix } = split(uri);
  return build(prefix, segmentsOf(uri));
}

/** A `file:` URI for a local path. */
export function fileUri(fsPath: string): string {
  const abs = path.resolve(fsPath);
  const segments = abs.split(/[\\/]+/).filter((s) => s !== '');
  return build('file://', segments);
}

/** The local path of a `file:` URI; undefined for any other scheme. */
export function localPathOf(uri: string): string | undefined {
  if (schemeOf(uri) !== 'file') return undefined;
  return fileURLToPath(uri);
}

/** A URI for what the host or a test gives: a URI as it is, a local path as a `file:` URI. */
export function toUri(pathOrUri: string): string {
  return isUri(pathOrUri) ? normalizeUri(pathOrUri) : fileUri(pathOrUri);
}

/** `base` with these (decoded, root-relative) segments appended; '.' and '..' resolved. */
export function joinUri(base: string, ...parts: string[]): string {
  const { prefix } = split(base);
  const out = segmentsOf(base);
  for (const part of parts) {
    for (const s of part.split('/')) {
      if (s === '' || s === '.') continue;
      if (s === '..') out.pop();
      else out.push(s);
    }
  }
  return build(prefix, out);
}

export function dirnameUri(uri: string): string {
  const { prefix } = split(uri);
  return build(prefix, segmentsOf(uri).slice(0, -1));
}

export function basenameUri(uri: string): string {
  return segmentsOf(uri).at(-1) ?? '';
}

/**
 * The posix path of `child` relative to `parent` ('' for the same place); undefined when it is
 * not inside. Case-insensitive for `file:` on Windows and macOS, as their file systems are.
 */
export function relativeUri(parent: string, child: string): string | undefined {
  const a = split(parent);
  const b = split(child);
  const fold = a.prefix === 'file://' && (process.platform === 'win32' || process.platform === 'darwin');
  const same = (x: string, y: string) => (fold ? x.toLowerCase() === y.toLowerCase() : x === y);
  if (!same(a.prefix, b.prefix)) return undefined;
  const ps = segmentsOf(parent);
  const cs = segmentsOf(child);
  if (cs.length < ps.length || !ps.every((s, i) => same(s, cs[i]!))) return undefined;
  return cs.slice(ps.length).join('/');
}

export function isInsideUri(parent: string, child: string): boolean {
  return relativeUri(parent, child) !== undefined;
}

/** How a location reads in a message: the local path for `file:`, else the URI. */
export function showUri(uri: string): string {
  return localPathOf(uri) ?? uri;
}
