// Plan mode's checklist (issue 15): when a reply in Plan mode has a markdown checklist, it is
// shown above the message box as steps the user can edit, tick, add and remove; "Run plan"
// switches the chat to Agent and sends the edited checklist. The model's text only ever goes
// into input values and textContent (never markup).
import type { ChatMode, WebviewMessages } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';

export interface PlanStep {
  text: string;
  done: boolean;
}

const STEP = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.+?)\s*$/;
const MAX_STEPS = 50;

/** The checklist items of a markdown text (`- [ ] step`, `- [x] step`, `1. [ ] step`). */
export function planSteps(markdown: string): PlanStep[] {
  const steps: PlanStep[] = [];
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = fence ? null : STEP.exec(line);
    if (m) steps.push({ done: m[1] !== ' ', text: m[2]! });
    if (steps.length >= MAX_STEPS) break;
  }
  return steps;
}

/** The message "Run plan" sends. */
export function planMessage(steps: PlanStep[]): string {
  return `Carry out this plan:\n${steps.map((s) => `- [${s.done ? 'x' : ' '}] ${s.text}`).join('\n')}`;
}

type Post = <K extends keyof WebviewMessages>(type: K, payload: WebviewMessages[K]) => void;

export class PlanPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly run: HTMLButtonElement;
  private readonly post: Post;
  private readonly setMode: (mode: ChatMode) => void;
  private running = false;

  constructor(post: Post, setMode: (mode: ChatMode) => void) {
    this.post = post;
    this.setMode = setMode;
    this.list = h('ol', { class: 'plan-steps', 'aria-label': 'Plan steps' });
    this.run = button(
      {
        label: 'Run plan',
        icon: 'play',
        text: true,
        class: 'btn plan-run',
        title: 'Switch to Agent mode and carry out this plan',
      },
      () => this.runPlan(),
    );
    this.element = h(
      'section',
      { class: 'plan', 'aria-label': 'Plan', hidden: true },
      h(
        'div',
        { class: 'plan-head' },
        icon('checklist'),
        h('span', { class: 'plan-title', text: 'Plan' }),
        h('span', { class: 'spacer' }),
        button({ label: 'Dismiss the plan', icon: 'close', title: 'Dismiss' }, () => this.hide()),
      ),
      this.list,
      h(
        'div',
        { class: 'plan-bar' },
        button({ label: 'Add step', icon: 'add', text: true, class: 'btn secondary small plan-add' }, () => {
          this.addRow({ text: '', done: false }).querySelector<HTMLTextAreaElement>('.plan-text')?.focus();
        }),
        h('span', { class: 'spacer' }),
        this.run,
      ),
    );
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  /** A reply in Plan mode ended: shows its checklist, if it has one. */
  offer(markdown: string | undefined): void {
    const steps = planSteps(markdown ?? '');
    if (!steps.length) return;
    this.list.replaceChildren();
    for (const s of steps) this.addRow(s);
    this.element.hidden = false;
    this.update();
  }

  hide(): void {
    this.element.hidden = true;
    this.list.replaceChildren();
  }

  setRunning(running: boolean): void {
    this.running = running;
    this.update();
  }

  /** The steps as edited (empty ones left out). */
  steps(): PlanStep[] {
    return [...this.list.querySelectorAll('li')]
      .map((li) => ({
        text: (li.querySelector<HTMLTextAreaElement>('.plan-text')?.value ?? '').replace(/\s+/g, ' ').trim(),
        done: li.querySelector<HTMLInputElement>('input[type=checkbox]')?.checked ?? false,
      }))
      .filter((s) => s.text);
  }

  private addRow(step: PlanStep): HTMLLIElement {
    const check = h('input', { type: 'checkbox', class: 'plan-check' });
    check.checked = step.done;
    // A textarea that grows with its step (a step is one line: Enter does not break it).
    const text = h('textarea', { class: 'plan-text', rows: '1', spellcheck: 'false' });
    text.value = step.text;
    const fit = () => {
      text.style.height = 'auto';
      text.style.height = text.scrollHeight ? `${text.scrollHeight}px` : '';
    };
    text.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') e.preventDefault();
    });
    text.addEventListener('input', fit);
    queueMicrotask(fit);
    const li = h('li', { class: 'plan-step' }, check, text);
    const remove = button({ label: 'Remove step', icon: 'trash', class: 'icon-btn plan-remove' }, () => {
      li.remove();
      this.renumber();
      this.update();
    });
    li.append(remove);
    text.addEventListener('input', () => this.update());
    this.list.append(li);
    this.renumber();
    return li;
  }

  private renumber(): void {
    this.list.querySelectorAll('li').forEach((li, i) => {
      li.querySelector('.plan-check')?.setAttribute('aria-label', `Step ${i + 1} done`);
      li.querySelector('.plan-text')?.setAttribute('aria-label', `Step ${i + 1}`);
    });
  }

  private update(): void {
    this.run.disabled = this.running || this.steps().length === 0;
  }

  private runPlan(): void {
    const steps = this.steps();
    if (!steps.length || this.running) return;
    this.setMode('agent');
    this.post('mode.set', { mode: 'agent' });
    this.post('send', { text: planMessage(steps), context: [] });
    this.hide();
  }
}
