// A compact diff of proposed edits: per file a header (+added −removed) and its hunks, lines
// coloured with the theme's diff colours. Long files show their first lines and an expander.
import type { FileDiffView, PatchPreview } from '../../shared/messages.ts';
import { h, icon } from '../dom.ts';

const SHOW_LINES = 40;

const KIND_ICON: Record<FileDiffView['kind'], string> = {
  add: 'diff-added',
  update: 'diff-modified',
  delete: 'diff-removed',
};
const KIND_WORD: Record<FileDiffView['kind'], string> = { add: 'new file', update: 'edit', delete: 'deleted' };

function lineRow(line: string): HTMLElement {
  const sign = line[0] ?? ' ';
  const cls = sign === '+' ? 'ins' : sign === '-' ? 'del' : 'ctx';
  return h(
    'div',
    { class: `diff-line ${cls}` },
    h('span', { class: 'diff-sign', 'aria-hidden': 'true', text: sign === ' ' ? ' ' : sign }),
    h('span', { class: 'diff-code', text: line.slice(1) }),
  );
}

function fileDiff(file: FileDiffView): HTMLElement {
  const title = file.moveTo ? `${file.path} → ${file.moveTo}` : file.path;
  const head = h(
    'div',
    { class: 'diff-file-head' },
    icon(KIND_ICON[file.kind]),
    h('span', { class: 'diff-path', text: title, title }),
    h('span', { class: 'diff-kind', text: KIND_WORD[file.kind] }),
    h(
      'span',
      { class: 'diff-stat', 'aria-label': `${file.added} lines added, ${file.removed} removed` },
      h('span', { class: 'diff-stat-add', text: `+${file.added}` }),
      ' ',
      h('span', { class: 'diff-stat-del', text: `−${file.removed}` }),
    ),
  );
  const body = h('div', { class: 'diff-body', role: 'group', 'aria-label': `Changes in ${file.path}` });
  const rows: HTMLElement[] = [];
  for (const hunk of file.hunks) {
    rows.push(h('div', { class: 'diff-hunk-head', text: `@@ −${hunk.oldStart} +${hunk.newStart} @@` }));
    for (const line of hunk.lines) rows.push(lineRow(line));
  }
  body.append(...rows.slice(0, SHOW_LINES));
  if (rows.length > SHOW_LINES) {
    const more = h(
      'button',
      { type: 'button', class: 'output-toggle', 'aria-expanded': 'false' },
      icon('chevron-down'),
      h('span', { text: `${rows.length - SHOW_LINES} more lines` }),
    );
    more.addEventListener('click', () => {
      more.replaceWith(...rows.slice(SHOW_LINES));
    });
    body.append(more);
  }
  return h('div', { class: 'diff-file' }, head, body);
}

/** Most preview lines shown whatever the host sends (it bounds them already). */
const PREVIEW_LINES = 200;
const PREVIEW_FILES = 50;

/**
 * A patch as the model writes it: per file a header (+added −removed so far) and its latest
 * lines. Everything is text (textContent), like the rest of the card.
 */
export function patchPreviewView(preview: PatchPreview): HTMLElement {
  let budget = PREVIEW_LINES;
  const files = preview.files.slice(-PREVIEW_FILES);
  const omittedFiles = preview.filesOmitted + preview.files.length - files.length;
  const shown = files.map((file) => {
    const title = file.moveTo ? `${file.path} → ${file.moveTo}` : file.path;
    const head = h(
      'div',
      { class: 'diff-file-head' },
      icon(KIND_ICON[file.kind] ?? 'diff-modified'),
      h('span', { class: 'diff-path', text: title, title }),
      h('span', { class: 'diff-kind', text: KIND_WORD[file.kind] ?? '' }),
      h(
        'span',
        { class: 'diff-stat', 'aria-label': `${file.added} lines added, ${file.removed} removed so far` },
        h('span', { class: 'diff-stat-add', text: `+${file.added}` }),
        ' ',
        h('span', { class: 'diff-stat-del', text: `−${file.removed}` }),
      ),
    );
    const lines = file.lines.slice(-Math.max(0, budget));
    budget -= lines.length;
    const omitted = file.omitted + file.lines.length - lines.length;
    const body = h('div', { class: 'diff-body', role: 'group', 'aria-label': `Changes in ${file.path} so far` });
    if (omitted > 0)
      body.append(
        h('div', {
          class: 'diff-hunk-head preview-omitted',
          text: `… ${omitted} earlier line${omitted === 1 ? '' : 's'}`,
        }),
      );
    for (const line of lines)
      body.append(
        line.startsWith('@')
          ? h('div', { class: 'diff-hunk-head', text: `@@ ${line.slice(1)}`.trimEnd() })
          : lineRow(line),
      );
    return h('div', { class: 'diff-file' }, head, body);
  });
  return h(
    'div',
    { class: 'diff patch-preview', 'aria-live': 'off' },
    ...(omittedFiles > 0
      ? [
          h('div', {
            class: 'diff-hunk-head preview-omitted',
            text: `… ${omittedFiles} earlier file${omittedFiles === 1 ? '' : 's'}`,
          }),
        ]
      : []),
    ...shown,
  );
}

export function diffView(files: FileDiffView[]): HTMLElement {
  return h('div', { class: 'diff' }, ...files.map(fileDiff));
}
