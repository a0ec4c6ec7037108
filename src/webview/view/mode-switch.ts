// The chat's mode in the composer bar (issue 15): Agent, Ask or Plan. A native <select>, so
// the keyboard and screen readers work as everywhere else; the host keeps the mode with the chat.
import type { ChatMode } from '../../shared/messages.ts';
import { h } from '../dom.ts';

const MODES: ReadonlyArray<{ mode: ChatMode; label: string; title: string }> = [
  { mode: 'agent', label: 'Agent', title: 'Agent: every tool, edits and commands as approved' },
  { mode: 'ask', label: 'Ask', title: 'Ask: read-only tools; nothing is changed' },
  { mode: 'plan', label: 'Plan', title: 'Plan: read-only; the answer is a checklist you can edit and run' },
];

export class ModeSwitch {
  readonly element: HTMLSelectElement;

  constructor(onChange: (mode: ChatMode) => void) {
    this.element = h(
      'select',
      { class: 'mode-select', 'aria-label': 'Chat mode', title: MODES[0]!.title },
      ...MODES.map((m) => h('option', { value: m.mode, text: m.label, title: m.title })),
    );
    this.element.addEventListener('change', () => {
      const mode = this.mode;
      this.showTitle();
      onChange(mode);
    });
  }

  get mode(): ChatMode {
    return (MODES.find((m) => m.mode === this.element.value) ?? MODES[0]!).mode;
  }

  set(mode: ChatMode): void {
    if (!MODES.some((m) => m.mode === mode)) return;
    this.element.value = mode;
    this.showTitle();
  }

  private showTitle(): void {
    this.element.title = MODES.find((m) => m.mode === this.element.value)?.title ?? '';
    document.body.dataset.mode = this.element.value;
  }
}
