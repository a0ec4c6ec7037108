// `@` in the message box: under the caret, the kinds of context first (`@problems`,
// `@terminal`, `@git`, `@selection`, issue 15), then matching folders (`folders.query`) and files
// (`files.query`) of the workspace. Arrow keys move, Enter or Tab picks, Escape closes; the pick
// becomes a chip.
import type { MentionKind } from '../../shared/messages.ts';
import { h, icon } from '../dom.ts';

const TRIGGER = /(?:^|\s)@([^\s@]*)$/;
const MAX_ROWS = 12;

export type FileQuery = (query: string) => Promise<string[]>;

/** What a row of the list picks. */
export type MentionPick =
  | { kind: 'file'; path: string }
  | { kind: 'folder'; path: string }
  | { kind: Exclude<MentionKind, 'folder'> | 'selection' };

/** The kinds, in the order listed; `@` + a prefix of the name narrows to them. */
export const MENTION_KINDS: ReadonlyArray<{
  kind: Exclude<MentionKind, 'folder'> | 'selection';
  icon: string;
  detail: string;
}> = [
  { kind: 'problems', icon: 'warning', detail: 'Errors and warnings in the workspace' },
  { kind: 'terminal', icon: 'terminal', detail: 'The last command in the active terminal' },
  { kind: 'git', icon: 'git-compare', detail: 'Changes to tracked files since the last commit' },
  { kind: 'selection', icon: 'list-selection', detail: 'The selection in the editor' },
];

export class MentionPicker {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly query: FileQuery;
  private readonly folders: FileQuery;
  private readonly onPick: (pick: MentionPick) => void;
  private files: MentionPick[] = [];
  private active = 0;
  private token: { start: number; end: number } | undefined;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    input: HTMLTextAreaElement,
    query: FileQuery,
    onPick: (pick: MentionPick) => void,
    folders: FileQuery = async () => [],
  ) {
    this.input = input;
    this.query = query;
    this.folders = folders;
    this.onPick = onPick;
    this.element = h('ul', {
      class: 'mentions',
      id: 'mention-list',
      role: 'listbox',
      'aria-label': 'Context to add',
      hidden: true,
    });
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', 'mention-list');
    input.setAttribute('aria-expanded', 'false');
    // mousedown, not click: a click would first blur the textarea and close the list.
    this.element.addEventListener('mousedown', (e) => {
      const row = (e.target as Element).closest<HTMLElement>('[data-index]');
      if (!row) return;
      e.preventDefault();
      this.pick(Number(row.dataset.index));
    });
    input.addEventListener('blur', () => this.close());
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  /** Called on every input: opens, refreshes or closes the list from the text before the caret. */
  inputChanged(): void {
    const caret = this.input.selectionStart ?? 0;
    const before = this.input.value.slice(0, caret);
    const m = TRIGGER.exec(before);
    if (!m) return this.close();
    const q = m[1] ?? '';
    this.token = { start: caret - q.length - 1, end: caret };
    clearTimeout(this.timer);
    const seq = ++this.seq;
    this.timer = setTimeout(() => {
      // A folder list that fails still leaves the kinds and the files.
      Promise.all([this.query(q), this.folders(q).catch(() => [] as string[])]).then(
        ([files, folders]) => {
          // A slower reply to an older query must not replace the newer list.
          if (seq !== this.seq || !this.token) return;
          const lower = q.toLowerCase();
          const kinds = MENTION_KINDS.filter((k) => k.kind.startsWith(lower)).map((k) => ({ kind: k.kind }));
          this.files = [
            ...kinds,
            ...folders.slice(0, 4).map((path) => ({ kind: 'folder' as const, path })),
            ...files.map((path) => ({ kind: 'file' as const, path })),
          ].slice(0, MAX_ROWS);
          this.active = 0;
          this.render(q);
        },
        () => {
          if (seq === this.seq) this.close();
        },
      );
    }, 60);
  }

  /** Handles the list's keys; returns true when the key was used. */
  keydown(e: KeyboardEvent): boolean {
    if (!this.open) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.files.length) return true;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : this.files.length - 1)) % this.files.length;
      this.highlight();
      return true;
    }
    if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && this.files.length) {
      this.pick(this.active);
      return true;
    }
    if (e.key === 'Escape') {
      this.close();
      return true;
    }
    return false;
  }

  close(): void {
    this.seq++;
    clearTimeout(this.timer);
    this.token = undefined;
    this.element.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  private render(q: string): void {
    if (!this.files.length) {
      this.element.replaceChildren(
        h('li', { class: 'mention-empty', role: 'presentation', text: q ? `No files match “${q}”` : 'No files' }),
      );
    } else {
      this.element.replaceChildren(
        ...this.files.map((pick, i) => {
          const row = {
            class: 'mention',
            role: 'option',
            id: `mention-${i}`,
            'data-index': String(i),
            'aria-selected': 'false',
          };
          if (pick.kind !== 'file' && pick.kind !== 'folder') {
            const k = MENTION_KINDS.find((m) => m.kind === pick.kind)!;
            return h(
              'li',
              { ...row, 'data-kind': pick.kind, title: k.detail },
              icon(k.icon),
              h('span', { class: 'mention-name', text: `@${pick.kind}` }),
              h('span', { class: 'mention-dir', text: k.detail }),
            );
          }
          const path = pick.path;
          const slash = path.lastIndexOf('/');
          return h(
            'li',
            { ...row, 'data-kind': pick.kind, title: path },
            icon(pick.kind === 'folder' ? 'folder' : 'file'),
            h('span', { class: 'mention-name', text: `${path.slice(slash + 1)}${pick.kind === 'folder' ? '/' : ''}` }),
            h('span', { class: 'mention-dir', text: slash > 0 ? path.slice(0, slash) : '' }),
          );
        }),
      );
    }
    this.element.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.highlight();
  }

  private highlight(): void {
    this.element.querySelectorAll('[role=option]').forEach((el, i) => {
      el.setAttribute('aria-selected', String(i === this.active));
      if (i === this.active) {
        this.input.setAttribute('aria-activedescendant', el.id);
        el.scrollIntoView({ block: 'nearest' });
      }
    });
  }

  private pick(index: number): void {
    const pick = this.files[index];
    const token = this.token;
    this.close();
    if (pick === undefined || !token) return;
    const v = this.input.value;
    // The "@query" goes; the pick becomes a chip.
    this.input.value = v.slice(0, token.start) + v.slice(token.end);
    this.input.setSelectionRange(token.start, token.start);
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
    this.onPick(pick);
  }
}
