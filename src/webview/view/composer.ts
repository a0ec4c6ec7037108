// The message box: context chips, a growing textarea, attach buttons and Send/Stop.
// Enter sends, Shift+Enter is a new line, Up in an empty box recalls the last message.
import type { ChatMode, ContextChip, PromptCommand } from '../../shared/messages.ts';
import { button, h } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { IMAGE_MAX_COUNT } from '../../shared/images.ts';
import { chipView } from './chips.ts';
import { readImageFile, transferFiles } from './images.ts';
import { MentionPicker } from './mentions.ts';
import type { FileQuery, MentionPick } from './mentions.ts';
import { ModeSwitch } from './mode-switch.ts';
import { SlashPicker, slashAction } from './slash.ts';

const MAX_HEIGHT_PX = 240;

export class Composer {
  readonly element: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly post: Post;
  private readonly chipsEl: HTMLElement;
  private readonly send: HTMLButtonElement;
  private readonly stop: HTMLButtonElement;
  private readonly mentions: MentionPicker;
  /** The chat's mode and the slash commands (issue 15). */
  readonly modeSwitch: ModeSwitch;
  private slash?: SlashPicker;
  private readonly saveDraft: (text: string) => void;
  /** Chips the host holds (removal goes through `context.remove`). */
  private hostChips: ContextChip[] = [];
  /** Files picked with @ here; they go with the next message. */
  private localChips: ContextChip[] = [];
  private readonly sent: string[] = [];
  private running = false;

  /** Why the last pasted or dropped file was refused (issue 15, images). */
  private readonly note: HTMLElement;

  constructor(post: Post, query: FileQuery, draft: string, saveDraft: (text: string) => void, folders?: FileQuery) {
    this.post = post;
    this.saveDraft = saveDraft;
    this.input = h('textarea', {
      class: 'input',
      rows: '1',
      'aria-label': 'Message Warmline',
      placeholder: 'Ask Warmline… (@ to add context, / for commands)',
    });
    this.input.value = draft;
    this.chipsEl = h('div', { class: 'chips', role: 'list', 'aria-label': 'Context for the next message' });
    this.mentions = new MentionPicker(this.input, query, (pick) => this.addMention(pick), folders);
    this.note = h('div', { class: 'composer-note', role: 'alert', hidden: true });
    this.send = button({ label: 'Send', icon: 'send', class: 'icon-btn send', title: 'Send (Enter)' }, () =>
      this.submit(),
    );
    this.stop = button(
      { label: 'Stop', icon: 'debug-stop', text: true, class: 'btn stop', title: 'Stop the reply' },
      () => this.post('stop', {}),
    );
    this.stop.hidden = true;
    this.modeSwitch = new ModeSwitch((mode) => this.post('mode.set', { mode }));
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
      this.note,
      h('div', { class: 'input-wrap' }, this.mentions.element, this.input),
      h(
        'div',
        { class: 'composer-bar' },
        attachSelection,
        attachFile,
        mention,
        this.modeSwitch.element,
        h('span', { class: 'spacer' }),
        this.stop,
        this.send,
      ),
    );
    this.input.addEventListener('keydown', (e) => this.keydown(e));
    this.input.addEventListener('input', () => {
      this.autosize();
      this.mentions.inputChanged();
      this.slash?.inputChanged();
      this.saveDraft(this.input.value);
    });
    this.wireImages();
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
    if (this.mentions.keydown(e) || this.slash?.keydown(e)) {
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
    // A command (compacting, a mode, a new chat...) is an action, not a message to the model.
    if (this.runSlash(text)) return;
    this.sendMessage(text);
    this.clearInput();
  }

  /** Sends text with the chips attached; the chips picked here go with it. */
  private sendMessage(text: string): void {
    this.post('send', { text, context: [...this.hostChips, ...this.localChips] });
    this.remember(text);
    this.localChips = [];
    this.note.hidden = true;
    this.renderChips();
  }

  private clearInput(): void {
    this.input.value = '';
    this.autosize();
    this.saveDraft('');
  }

  // ---- modes and slash commands (issue 15) ----

  /** Turns on `/` completion; the prompt files are asked for each time the list opens. */
  enableSlash(listPrompts: () => Promise<PromptCommand[]>): void {
    this.slash = new SlashPicker(this.input, listPrompts);
    this.mentions.element.after(this.slash.element);
  }

  setMode(mode: ChatMode): void {
    this.modeSwitch.set(mode);
  }

  /** A built-in slash command typed in full; false when the text is an ordinary message. */
  private runSlash(text: string): boolean {
    const action = slashAction(text);
    if (!action) return false;
    if (action.type === 'chat.new') this.post('chat.new', {});
    else if (action.type === 'chat.compact') this.post('chat.compact', {});
    else if (action.type === 'slash.run') this.post('slash.run', action.payload);
    else {
      this.setMode(action.mode);
      this.post('mode.set', { mode: action.mode });
      if (action.text) this.sendMessage(action.text);
    }
    this.clearInput();
    return true;
  }

  private addFile(path: string): void {
    if ([...this.hostChips, ...this.localChips].some((c) => c.kind === 'file' && c.path === path)) return;
    this.localChips.push({ kind: 'file', path, label: path.slice(path.lastIndexOf('/') + 1) });
    this.renderChips();
  }

  // ---- mentions and images (issue 15) ----

  /** A pick from the `@` list: a file or folder chip, a kind's chip, or the editor's selection (the host makes that chip). */
  private addMention(pick: MentionPick): void {
    if (pick.kind === 'file') return this.addFile(pick.path);
    if (pick.kind === 'selection') return this.post('context.attach', { what: 'selection' });
    const path = pick.kind === 'folder' ? pick.path : '';
    if (this.localChips.some((c) => c.kind === pick.kind && c.path === path)) return;
    const label = pick.kind === 'folder' ? `${pick.path}/` : `@${pick.kind}`;
    this.localChips.push({ kind: pick.kind, path, label });
    this.renderChips();
  }

  /** Paste or drop an image: checked by its bytes and size, then a chip with a thumbnail; anything else is refused in words. */
  private wireImages(): void {
    this.input.addEventListener('paste', (e) => {
      const files = transferFiles(e.clipboardData);
      if (!files.length) return; // text: pasted as usual
      e.preventDefault();
      void this.addImages(files);
    });
    this.element.addEventListener('dragover', (e) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    });
    this.element.addEventListener('drop', (e) => {
      const files = transferFiles(e.dataTransfer);
      if (!files.length) return;
      e.preventDefault();
      void this.addImages(files);
    });
  }

  private async addImages(files: File[]): Promise<void> {
    const refused: string[] = [];
    for (const file of files) {
      if (this.localChips.filter((c) => c.kind === 'image').length >= IMAGE_MAX_COUNT) {
        refused.push(`At most ${IMAGE_MAX_COUNT} images go with one message.`);
        break;
      }
      const read = await readImageFile(file);
      if (read.ok) this.localChips.push(read.chip);
      else refused.push(read.reason);
    }
    this.note.textContent = refused.join(' ');
    this.note.hidden = refused.length === 0;
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
