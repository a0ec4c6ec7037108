import { structuredPatch } from 'diff';
import type { FileChange } from '../tools/types.ts';
import type { FileDiffView } from '../shared/messages.ts';

/** A compact diff of proposed changes for the chat's edit card (jsdiff, three lines of context). */
export function diffViews(changes: FileChange[], relative: (uri: string) => string): FileDiffView[] {
  return changes.map((c) => {
    const oldText = c.kind === 'add' ? '' : c.oldText;
    const newText = c.kind === 'delete' ? '' : c.newText;
    const patch = structuredPatch(c.uri, c.uri, oldText, newText, '', '', { context: 3 });
    let added = 0;
    let removed = 0;
    const hunks = patch.hunks.map((h) => {
      for (const l of h.lines) {
        if (l.startsWith('+')) added++;
        else if (l.startsWith('-')) removed++;
      }
      return { oldStart: h.oldStart, newStart: h.newStart, lines: h.lines.filter((l) => !l.startsWith('\\')) };
    });
    return {
      path: relative(c.uri),
      kind: c.kind,
      moveTo: c.kind === 'update' && c.moveTo ? relative(c.moveTo) : undefined,
      hunks,
      added,
      removed,
    };
  });
}
