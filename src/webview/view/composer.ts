// The message box: context chips, a growing textarea, attach buttons and Send/Stop.
// Enter sends, Shift+Enter is a new line, Up in an empty box recalls the last message.
import type { ContextChip } from '../../shared/messages.ts';
import { button, h } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { chipView } from './chips.ts';
import { MentionPicker } from './mentions.ts';
import type { FileQuery } from './mentions.ts';

const MAX_HEIGHT_PX = 240;

export class Composer {
  readonly element: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly post: Post;
  private readonly chipsEl: HTMLElement;
  private readonly send: HTMLButtonElement;
  private readonly stop: HTMLButtonElement;
  private readonly mentions: MentionPicker;
  private readonly saveDraft: (text: string) => void;
  /** Chips the host holds (removal goes through `context.remove`). */
  private hostChips: ContextChip[] = [];
  /** Files picked with @ here; they go with the next message. */
  private localChips: ContextChip[] = [];
  private readonly sent: string[] = [];
  private running = false;

  constructor(post: Post, query: FileQuery, draft: string, saveDraft: (text: string) => void) {
    this.post = post;
    this.saveDraft = saveDraft;
    this.input = h('textarea', {
      class: 'input',
      rows: '1',
      'aria-label': 'Message Warmline',
      placeholder: 'Ask Warmline… (@ to add a file)',
    });
    this.input.value = draft;
    this.chipsEl = h('div', { class: 'chips', role: 'list', 'aria-label': 'Context for the next message' });
    this.mentions = new MentionPicker(this.input, query, (path) => this.addFile(path));
    this.send = button({ label: 'Send', icon: 'send', class: 'icon-btn send', title: 'Send (Enter)' }, () =>
      this.submit(),
    );
    this.stop = button(
      { label: 'Stop', icon: 'debug-stop', text: true, class: 'btn stop', title: 'Stop the reply' },
      () => this.post('stop', {}),
    );
    this.stop.hidden = true;
    const attachSelection = button(
      { label: 'Add selection to context', icon: 'list-selection', title: 'Add the editor selection' },
      () => this.post('context.attach', { what: 'selection' }),
    );
    const attachFile = button(
      { label: 'Add current file to context', icon: 'file-add', title: 'Add the current file' },
      () => this.post('context.attach', { what: 'file' }),
    );
    const mention = button({ label: 'Add a file by name', icon: 'mention', title: 'Add a file (@)' }, () =>
      this.startMention(),
    );
    this.element = h(
      'div',
      { class: 'composer' },
      this.chipsEl,
      h('div', { class: 'input-wrap' }, this.mentions.element, this.input),
      h(
        'div',
        { class: 'composer-bar' },
        attachSelection,
        attachFile,
        mention,
        h('span', { class: 'spacer' }),
        this.stop,
        this.send,
      ),
    );
    this.input.addEventListener('keydown', (e) => this.keydown(e));
    this.input.addEventListener('input', () => {
      this.autosize();
      this.mentions.inputChanged();
      this.saveDraft(this.input.value);
    });
    this.renderChips();
    queueMicrotask(() => this.autosize());
  }

  setRunning(running: boolean): void {
    this.running = running;
    const hadFocus = document.activeElement === this.stop;
    this.stop.hidden = !running;
    // While a reply runs, Send stays: the host queues the message (issue 15).
    this.send.title = running ? 'Queue (Enter): sent when the reply ends' : 'Send (Enter)';
    if (hadFocus && !running) this.input.focus();
  }

  setChips(chips: ContextChip[]): void {
    this.hostChips = chips;
    this.renderChips();
  }

  /** Remembers a sent message for Up (also the user messages of a loaded chat). */
  remember(text: string): void {
    if (text && this.sent.at(-1) !== text) this.sent.push(text);
  }

  compose(text: string, send: boolean): void {
    this.input.value = text;
    this.autosize();
    this.input.focus();
    if (send) this.submit();
  }

  focus(): void {
    this.input.focus();
  }

  private keydown(e: KeyboardEvent): void {
    if (e.isComposing) return;
    if (this.mentions.keydown(e)) {
      e.preventDefault();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.submit();
    } else if (e.key === 'ArrowUp' && this.input.value === '' && this.sent.length) {
      e.preventDefault();
      this.input.value = this.sent.at(-1) ?? '';
      this.autosize();
      this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    }
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    // While a reply runs the host queues what is sent; /compact waits for the reply to end.
    if (text === '/compact' && this.running) return;
    if (text === '/compact') {
      // Compacting the conversation is an action, not a message to the model.
      this.post('chat.compact', {});
      this.input.value = '';
      this.autosize();
      this.saveDraft('');
      return;
    }
    this.post('send', { text, context: [...this.hostChips, ...this.localChips] });
    this.remember(text);
    this.input.value = '';
    this.localChips = [];
    this.renderChips();
    this.autosize();
    this.saveDraft('');
  }

  private addFile(path: string): void {
    if ([...this.hostChips, ...this.localChips].some((c) => c.kind === 'file' && c.path === path)) return;
    this.localChips.push({ kind: 'file', path, label: path.slice(path.lastIndexOf('/') + 1) });
    this.renderChips();
  }

  private startMention(): void {
    const v = this.input.value;
    const caret = this.input.selectionStart ?? v.length;
    const pad = caret > 0 && !/\s/.test(v[caret - 1] ?? '') ? ' @' : '@';
    this.input.value = v.slice(0, caret) + pad + v.slice(caret);
    this.input.focus();
    this.input.setSelectionRange(caret + pad.length, caret + pad.length);
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  private renderChips(): void {
    const views = [
      // Removal by index waits for the host's next `context` list: removing optimistically
      // would shift the indexes of a second quick removal.
      ...this.hostChips.map((chip, index) =>
        chipView(chip, (ev) => {
          (ev.currentTarget as HTMLButtonElement).disabled = true;
          this.post('context.remove', { index });
          this.input.focus();
        }),
      ),
      ...this.localChips.map((chip) =>
        chipView(chip, () => {
          this.localChips = this.localChips.filter((c) => c !== chip);
          this.renderChips();
          this.input.focus();
        }),
      ),
    ];
    this.chipsEl.replaceChildren(...views);
    this.chipsEl.hidden = views.length === 0;
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_HEIGHT_PX)}px`;
  }
}
