// Applying parsed patch hunks to file texts, in memory. Chunks are located with Codex's
// seek_sequence: exact, then ignoring trailing whitespace, then ignoring surrounding
// whitespace, then with typographic punctuation normalised to ASCII. A chunk that cannot be
// located names the file, the hunk, and the most similar lines in the file.
import { detectEol, loadText } from './files.ts';
import type { ResolvedPath, WorkspaceGuard } from './guard.ts';
import type { ParsedPatch, PatchChunk } from './patch-parser.ts';
import { LIMITS } from './settings.ts';
import { nearestRegion, showRegion, truncate } from './similarity.ts';
import { ToolError } from './types.ts';
import type { FileChange, WorkspaceHost } from './types.ts';

const PUNCTUATION: Record<string, string> = {
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u00A0': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2004': ' ',
  '\u2005': ' ',
  '\u2006': ' ',
  '\u2007': ' ',
  '\u2008': ' ',
  '\u2009': ' ',
  '\u200A': ' ',
  '\u202F': ' ',
  '\u205F': ' ',
  '\u3000': ' ',
};
const PUNCTUATION_RE = new RegExp(`[${Object.keys(PUNCTUATION).join('')}]`, 'g');

export function normalisePunctuation(s: string): string {
  return s.trim().replace(PUNCTUATION_RE, (c) => PUNCTUATION[c]!);
}

const trimEnd = (s: string) => s.replace(/\s+$/, '');
const PASSES: Array<(s: string) => string> = [(s) => s, trimEnd, (s) => s.trim(), normalisePunctuation];

/**
 * Index of the first place at or after `start` where `pattern` occurs in `lines`, trying the
 * passes in order of strictness; with `eof`, the end of the file is tried first.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  eof: boolean,
): number | undefined {
  if (pattern.length === 0) return start;
  if (pattern.length > lines.length) return undefined;
  const last = lines.length - pattern.length;
  const from = eof ? last : start;
  for (const norm of PASSES) {
    const pat = pattern.map(norm);
    for (let i = from; i <= last; i++) {
      let ok = true;
      for (let k = 0; k < pat.length; k++) {
        if (norm(lines[i + k]!) !== pat[k]) {
          ok = false;
          break;
        }
      }
      if (ok) return i;
    }
  }
  // With `eof` and no match at the end, look from `start` as well (as Codex's seek_sequence documents).
  return eof && start < last ? seekSequence(lines, pattern, start, false) : undefined;
}

export class HunkFailure extends Error {}

/**
 * The new text of a file after its chunks, or a HunkFailure saying which hunk failed and
 * what the file has nearest to it.
 */
export function applyChunks(text: string, chunks: readonly PatchChunk[], display: string): string {
  const eol = detectEol(text);
  // Each line keeps its own ending (a file with mixed ends stays as it was outside the hunks);
  // new lines get the file's usual one.
  const lines = text.split('\n');
  const ends = lines.map((l, i) => (i === lines.length - 1 ? '' : l.endsWith('\r') ? '\r\n' : '\n'));
  for (let i = 0; i < lines.length; i++) if (ends[i] === '\r\n') lines[i] = lines[i]!.slice(0, -1);
  if (lines[lines.length - 1] === '') {
    lines.pop();
    ends.pop();
  }
  const replacements: Array<{ start: number; remove: number; insert: string[] }> = [];
  let index = 0;
  chunks.forEach((chunk, n) => {
    const label = `hunk ${n + 1} of ${chunks.length}${chunk.context !== undefined ? ` (@@ ${truncate(chunk.context, 80)})` : ''}, at patch line ${chunk.line}`;
    if (chunk.context !== undefined && chunk.context.trim() !== '') {
      const at = seekSequence(lines, [chunk.context], index, false);
      if (at === undefined) throw notFound(display, label, [chunk.context], lines, index, 'the @@ context line');
      index = at + 1;
    }
    if (chunk.oldLines.length === 0) {
      // Pure addition: after the context line when there is one, else at the end of the file.
      const at = chunk.context !== undefined && chunk.context.trim() !== '' ? index : lines.length;
      replacements.push({ start: at, remove: 0, insert: chunk.newLines });
      return;
    }
    let pattern = chunk.oldLines;
    let insert = chunk.newLines;
    let found = seekSequence(lines, pattern, index, chunk.endOfFile);
    if (found === undefined && pattern[pattern.length - 1] === '') {
      // A trailing empty line often stands for the file's final newline.
      pattern = pattern.slice(0, -1);
      if (insert[insert.length - 1] === '') insert = insert.slice(0, -1);
      found = seekSequence(lines, pattern, index, chunk.endOfFile);
    }
    if (found === undefined)
      throw notFound(
        display,
        label,
        chunk.oldLines,
        lines,
        index,
        chunk.endOfFile ? 'these lines at the end of the file' : 'these lines',
      );
    replacements.push({ start: found, remove: pattern.length, insert });
    index = found + pattern.length;
  });
  replacements.sort((a, b) => a.start - b.start);
  for (let i = replacements.length - 1; i >= 0; i--) {
    const r = replacements[i]!;
    lines.splice(r.start, r.remove, ...r.insert);
    ends.splice(r.start, r.remove, ...r.insert.map(() => eol));
  }
  if (lines.length === 0) return '';
  // The file ends with a line end, as before the edit or in the file's usual style.
  return lines.map((l, i) => l + (ends[i] || eol)).join('');
}

function notFound(
  display: string,
  label: string,
  expected: readonly string[],
  lines: readonly string[],
  from: number,
  what: string,
): HunkFailure {
  const shown =
    expected
      .slice(0, 12)
      .map((l) => `  ${truncate(l, 200)}`)
      .join('\n') + (expected.length > 12 ? `\n  … (${expected.length - 12} more lines)` : '');
  let message = `In '${display}', ${label}: could not find ${what}${from > 0 ? ` after line ${from}` : ''}:\n${shown}\n`;
  const region = nearestRegion(lines, expected, from);
  if (region && region.score >= 0.3) {
    const end = region.start + region.length;
    message += `The most similar lines in the file are ${region.start + 1}-${end} (${Math.round(region.score * 100)}% similar):\n${showRegion(lines, region)}\n`;
  } else {
    message += 'Nothing in the file looks similar.\n';
  }
  return new HunkFailure(message);
}

/**
 * Every file change a patch makes, computed in full before anything is written. Throws a
 * ToolError naming the file and hunk that failed; on error nothing has been touched.
 */
export async function planPatch(patch: ParsedPatch, guard: WorkspaceGuard, host: WorkspaceHost): Promise<FileChange[]> {
  if (patch.hunks.length === 0)
    throw new ToolError(
      'patch_failed',
      'The patch contains no file operations (no Add, Delete or Update File section).',
    );
  if (patch.hunks.length > LIMITS.maxPatchFiles)
    throw new ToolError(
      'too_large',
      `The patch touches ${patch.hunks.length} files; one apply_patch may change at most ${LIMITS.maxPatchFiles}. Split it.`,
    );
  const maxBytes = guard.settings.maxReadBytes;
  const touched = new Map<string, string>(); // URI -> the hunk that touched it
  const claim = (abs: string, display: string, hunk: string) => {
    const before = touched.get(abs);
    if (before)
      throw new ToolError(
        'patch_failed',
        `'${display}' appears in two sections of the patch (${before} and ${hunk}); put all changes to one file in a single section.`,
      );
    touched.set(abs, hunk);
  };
  const changes: FileChange[] = [];
  for (const hunk of patch.hunks) {
    const where = `line ${hunk.line}`;
    if (hunk.kind === 'add') {
      const target = await guard.resolve(hunk.path, 'write');
      claim(target.uri, target.display, `Add File at ${where}`);
      if (target.stat || host.openDocumentText(target.uri) !== undefined) {
        throw new ToolError(
          'patch_failed',
          `Add File '${target.display}' (patch ${where}) failed: the file already exists. Use '*** Update File: ${hunk.path}' to change it.`,
        );
      }
      await refuseFileInPath(target, guard);
      changes.push({ kind: 'add', uri: target.uri, newText: hunk.contents });
    } else if (hunk.kind === 'delete') {
      const target = await guard.resolve(hunk.path, 'write');
      claim(target.uri, target.display, `Delete File at ${where}`);
      if (!target.stat && host.openDocumentText(target.uri) === undefined)
        throw new ToolError(
          'patch_failed',
          `Delete File '${target.display}' (patch ${where}) failed: the file does not exist.`,
        );
      if (target.stat?.type === 'directory')
        throw new ToolError(
          'patch_failed',
          `Delete File '${target.display}' (patch ${where}) failed: it is a folder; Delete File removes one file.`,
        );
      const loaded = await loadText(host, target.uri, target.display, maxBytes, 'edit');
      changes.push({ kind: 'delete', uri: target.uri, oldText: loaded.text, ...(loaded.bom ? { bom: true } : {}) });
    } else {
      const target = await guard.resolve(hunk.path, 'write');
      claim(target.uri, target.display, `Update File at ${where}`);
      if (!target.stat && host.openDocumentText(target.uri) === undefined) {
        throw new ToolError(
          'patch_failed',
          `Update File '${target.display}' (patch ${where}) failed: the file does not exist. Use '*** Add File: ${hunk.path}' to create it.`,
        );
      }
      if (target.stat?.type === 'directory')
        throw new ToolError('patch_failed', `Update File '${target.display}' (patch ${where}) failed: it is a folder.`);
      const loaded = await loadText(host, target.uri, target.display, maxBytes, 'edit');
      let newText: string;
      try {
        newText = applyChunks(loaded.text, hunk.chunks, target.display);
      } catch (e) {
        if (e instanceof HunkFailure)
          throw new ToolError(
            'patch_failed',
            `${e.message}Re-read the file with read_file and write the hunk against its current text.`,
          );
        throw e;
      }
      let moveTo: string | undefined;
      if (hunk.moveTo) {
        const dest = await guard.resolve(hunk.moveTo, 'write');
        if (dest.uri !== target.uri) {
          claim(dest.uri, dest.display, `Move to at ${where}`);
          if (dest.stat || host.openDocumentText(dest.uri) !== undefined)
            throw new ToolError(
              'patch_failed',
              `Move to '${dest.display}' (patch ${where}) failed: that file already exists; moving onto an existing file is refused.`,
            );
          await refuseFileInPath(dest, guard);
          moveTo = dest.uri;
        }
      }
      if (newText === loaded.text && !moveTo) continue; // nothing to do for this file
      changes.push({
        kind: 'update',
        uri: target.uri,
        oldText: loaded.text,
        newText,
        ...(moveTo ? { moveTo } : {}),
        ...(loaded.bom ? { bom: true } : {}),
      });
    }
  }
  return changes;
}

/** A new file cannot be created below something that is a file. */
async function refuseFileInPath(target: ResolvedPath, guard: WorkspaceGuard): Promise<void> {
  const segments = target.rel.split('/');
  for (let n = segments.length - 1; n > 0; n--) {
    const dir = guard.uriOf(target.root, segments.slice(0, n).join('/'));
    const stat = await guard.host.fs.stat(dir).catch(() => undefined);
    if (!stat) continue;
    if (stat.type === 'directory') return;
    throw new ToolError(
      'patch_failed',
      `Cannot create '${target.display}': '${guard.display(dir)}' is a file, not a folder.`,
    );
  }
}
