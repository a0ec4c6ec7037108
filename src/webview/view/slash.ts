// Slash commands in the message box (issue 15): `/` at the start of the message lists the
// built-in commands and the workspace's prompt files (asked of the host each time the list
// opens, so a new or edited file shows up). A pick puts `/name ` in the box, or a prompt file's
// text; what a command does when sent is in Composer (see `slashAction`).
import type { ChatMode, PromptCommand, WebviewMessages } from '../../shared/messages.ts';
import { CompletionList } from './completion.ts';

export interface SlashCommand {
  name: string;
  description: string;
  /** A prompt file's text: picking the command puts it in the message box. */
  prompt?: PromptCommand;
}

export const BUILTIN_COMMANDS: readonly SlashCommand[] = [
  { name: 'new', description: 'Start a new chat' },
  { name: 'clear', description: 'Start over in a new chat (this one stays in history)' },
  { name: 'compact', description: 'Compact the conversation' },
  { name: 'ask', description: 'Ask mode: read-only (text after it is sent)' },
  { name: 'plan', description: 'Plan mode: a checklist, no changes (text after it is sent)' },
  { name: 'agent', description: 'Agent mode: every tool (text after it is sent)' },
  { name: 'explain', description: 'Explain the editor selection' },
  { name: 'fix', description: 'Fix the problems in the selection or file' },
  { name: 'tests', description: 'Write tests for the editor selection' },
];

/** What a sent message starting with a built-in command does (undefined: it is an ordinary message). */
export type SlashAction =
  | { type: 'chat.new' }
  | { type: 'chat.compact' }
  | { type: 'mode'; mode: ChatMode; text: string }
  | { type: 'slash.run'; payload: WebviewMessages['slash.run'] };

export function slashAction(message: string): SlashAction | undefined {
  const m = /^\/([a-z]+)(?:\s+([\s\S]*))?$/.exec(message.trim());
  if (!m) return undefined;
  const name = m[1]!;
  const text = (m[2] ?? '').trim();
  switch (name) {
    case 'new':
    case 'clear':
      return text ? undefined : { type: 'chat.new' };
    case 'compact':
      return text ? undefined : { type: 'chat.compact' };
    case 'ask':
    case 'plan':
    case 'agent':
      return { type: 'mode', mode: name, text };
    case 'explain':
    case 'fix':
    case 'tests':
      return { type: 'slash.run', payload: { command: name, text } };
    default:
      return undefined;
  }
}

const TRIGGER = /^\/([\w.-]*)$/;

export class SlashPicker {
  private readonly input: HTMLTextAreaElement;
  private readonly list: CompletionList;
  private readonly listPrompts: () => Promise<PromptCommand[]>;
  private prompts: PromptCommand[] = [];
  private shown: SlashCommand[] = [];
  private query: string | undefined;
  private seq = 0;

  constructor(input: HTMLTextAreaElement, listPrompts: () => Promise<PromptCommand[]>) {
    this.input = input;
    this.listPrompts = listPrompts;
    this.list = new CompletionList(input, 'slash-list', 'Slash commands', (i) => this.pick(i));
    input.addEventListener('blur', () => this.close());
  }

  get element(): HTMLElement {
    return this.list.element;
  }

  get open(): boolean {
    return this.list.open;
  }

  /** Called on every input: opens, filters or closes the list from the text before the caret. */
  inputChanged(): void {
    const caret = this.input.selectionStart ?? 0;
    const m = TRIGGER.exec(this.input.value.slice(0, caret));
    if (!m) return this.close();
    const opening = this.query === undefined;
    this.query = m[1]!.toLowerCase();
    this.render();
    if (opening) {
      const seq = ++this.seq;
      this.listPrompts().then(
        (prompts) => {
          if (seq !== this.seq || this.query === undefined) return;
          this.prompts = prompts;
          this.render();
        },
        () => {},
      );
    }
  }

  /** The list's keys; true when the key was used. Enter on a command typed in full sends it. */
  keydown(e: KeyboardEvent): boolean {
    if (!this.open) return false;
    const active = this.shown[this.list.activeIndex];
    if (e.key === 'Enter' && !e.shiftKey && active && !active.prompt && active.name === this.query) {
      this.close();
      return false;
    }
    return this.list.keydown(e);
  }

  close(): void {
    this.seq++;
    this.query = undefined;
    this.list.hide();
  }

  private render(): void {
    const q = this.query ?? '';
    const all: SlashCommand[] = [
      ...BUILTIN_COMMANDS,
      ...this.prompts
        .filter((p) => !BUILTIN_COMMANDS.some((b) => b.name === p.name))
        .map((p) => ({ name: p.name, description: p.description ?? p.path, prompt: p })),
    ];
    const starts = all.filter((c) => c.name.toLowerCase().startsWith(q));
    const contains = all.filter((c) => !c.name.toLowerCase().startsWith(q) && c.name.toLowerCase().includes(q));
    this.shown = [...starts, ...contains];
    this.list.show(
      this.shown.map((c) => ({
        label: `/${c.name}`,
        detail: c.description,
        icon: c.prompt ? 'note' : 'symbol-event',
        title: c.prompt ? c.prompt.path : c.description,
      })),
      `No command matches “/${q}”`,
    );
  }

  private pick(index: number): void {
    const command = this.shown[index];
    const caret = this.input.selectionStart ?? 0;
    this.close();
    if (!command) return;
    const rest = this.input.value.slice(caret).replace(/^\S*/, '');
    const head = command.prompt ? command.prompt.body : `/${command.name} `;
    this.input.value = head + (command.prompt ? rest : rest.trimStart());
    this.input.setSelectionRange(head.length, head.length);
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
  }
}
