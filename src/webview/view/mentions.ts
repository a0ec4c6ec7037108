// `@` in the message box: under the caret, the kinds of context first (`@problems`,
// `@terminal`, `@git`, `@selection`, issue 15), then matching folders (`folders.query`) and files
// (`files.query`) of the workspace. Arrow keys move, Enter or Tab picks, Escape closes; the pick
// becomes a chip.
import type { MentionKind } from '../../shared/messages.ts';
import { CompletionList } from './completion.ts';
import type { CompletionItem } from './completion.ts';

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
  private readonly list: CompletionList;
  private readonly input: HTMLTextAreaElement;
  private readonly query: FileQuery;
  private readonly folders: FileQuery;
  private readonly onPick: (pick: MentionPick) => void;
  private picks: MentionPick[] = [];
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
    this.list = new CompletionList(input, 'mention-list', 'Context to add', (i) => this.pick(i));
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', 'mention-list');
    input.setAttribute('aria-expanded', 'false');
    input.addEventListener('blur', () => this.close());
  }

  get element(): HTMLElement {
    return this.list.element;
  }

  get open(): boolean {
    return this.list.open;
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
          this.picks = [
            ...kinds,
            ...folders.slice(0, 4).map((path) => ({ kind: 'folder' as const, path })),
            ...files.map((path) => ({ kind: 'file' as const, path })),
          ].slice(0, MAX_ROWS);
          this.list.show(this.picks.map(row), q ? `No files match “${q}”` : 'No files');
        },
        () => {
          if (seq === this.seq) this.close();
        },
      );
    }, 60);
  }

  /** Handles the list's keys; returns true when the key was used. */
  keydown(e: KeyboardEvent): boolean {
    const open = this.list.open;
    const used = this.list.keydown(e);
    // Escape hid the list: the query is over too.
    if (open && !this.list.open) this.close();
    return used;
  }

  close(): void {
    this.seq++;
    clearTimeout(this.timer);
    this.token = undefined;
    this.list.hide();
  }

  private pick(index: number): void {
    const pick = this.picks[index];
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

/** A pick as a row of the list: a kind with what it adds, or a folder or file with its folder. */
function row(pick: MentionPick): CompletionItem {
  if (pick.kind !== 'file' && pick.kind !== 'folder') {
    const k = MENTION_KINDS.find((m) => m.kind === pick.kind)!;
    return { label: `@${pick.kind}`, detail: k.detail, icon: k.icon, title: k.detail, kind: pick.kind };
  }
  const slash = pick.path.lastIndexOf('/');
  return {
    label: `${pick.path.slice(slash + 1)}${pick.kind === 'folder' ? '/' : ''}`,
    detail: slash > 0 ? pick.path.slice(0, slash) : '',
    icon: pick.kind === 'folder' ? 'folder' : 'file',
    title: pick.path,
    kind: pick.kind,
  };
}
