// A completion list under the caret of the message box (a listbox the textarea controls): arrow
// keys move, Enter or Tab picks, Escape closes. What fills it and what a pick does is the
// caller's (the slash commands in slash.ts, the @ mentions in mentions.ts).
import { h, icon } from '../dom.ts';

export interface CompletionItem {
  label: string;
  detail?: string;
  icon: string;
  title?: string;
  /** Set as the row's `data-kind`. */
  kind?: string;
}

export class CompletionList {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly id: string;
  private readonly onPick: (index: number) => void;
  private items: CompletionItem[] = [];
  private active = 0;
  /** The textarea's aria-controls before this list showed (another list's), given back on hide. */
  private controls: string | null = null;

  constructor(input: HTMLTextAreaElement, id: string, label: string, onPick: (index: number) => void) {
    this.input = input;
    this.id = id;
    this.onPick = onPick;
    this.element = h('ul', { class: 'mentions completion', id, role: 'listbox', 'aria-label': label, hidden: true });
    // mousedown, not click: a click would first blur the textarea and close the list.
    this.element.addEventListener('mousedown', (e) => {
      const row = (e.target as Element).closest<HTMLElement>('[data-index]');
      if (!row) return;
      e.preventDefault();
      this.onPick(Number(row.dataset.index));
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  get activeIndex(): number {
    return this.active;
  }

  get size(): number {
    return this.items.length;
  }

  show(items: CompletionItem[], empty: string): void {
    this.items = items;
    this.active = 0;
    this.element.replaceChildren(
      ...(items.length
        ? items.map((item, i) =>
            h(
              'li',
              {
                class: 'mention',
                role: 'option',
                id: `${this.id}-${i}`,
                'data-index': String(i),
                'aria-selected': 'false',
                title: item.title,
                ...(item.kind ? { 'data-kind': item.kind } : {}),
              },
              icon(item.icon),
              h('span', { class: 'mention-name', text: item.label }),
              h('span', { class: 'mention-dir', text: item.detail ?? '' }),
            ),
          )
        : [h('li', { class: 'mention-empty', role: 'presentation', text: empty })]),
    );
    if (this.element.hidden) this.controls = this.input.getAttribute('aria-controls');
    this.element.hidden = false;
    this.input.setAttribute('aria-controls', this.id);
    this.input.setAttribute('aria-expanded', 'true');
    this.highlight();
  }

  hide(): void {
    if (this.element.hidden) return;
    this.element.hidden = true;
    if (this.controls) this.input.setAttribute('aria-controls', this.controls);
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  /** The list's keys; true when the key was used. */
  keydown(e: KeyboardEvent): boolean {
    if (!this.open) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!this.items.length) return true;
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : this.items.length - 1)) % this.items.length;
      this.highlight();
      return true;
    }
    if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && this.items.length) {
      this.onPick(this.active);
      return true;
    }
    if (e.key === 'Escape') {
      this.hide();
      return true;
    }
    return false;
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
}
