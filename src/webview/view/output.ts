// Tool output as it streams in. Memory is bounded (a head and a tail are kept, the middle is
// counted and dropped), and long output shows collapsed: the first and last lines, with an
// expander between. A command printing megabytes cannot slow the view down.
import { h, icon } from '../dom.ts';
import type { FrameQueue } from '../dom.ts';

const KEEP_HEAD = 16 * 1024;
const KEEP_TAIL = 48 * 1024;
const SHOW_LINES = 8;
const COLLAPSE_OVER = 2 * SHOW_LINES + 4;

export class OutputBuffer {
  head = '';
  tail = '';
  dropped = 0;
  lines = 1;

  append(chunk: string): void {
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) this.lines++;
    if (this.head.length < KEEP_HEAD) {
      const room = KEEP_HEAD - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (!chunk) return;
    this.tail += chunk;
    if (this.tail.length > KEEP_TAIL * 2) {
      const cut = this.tail.length - KEEP_TAIL;
      this.dropped += cut;
      this.tail = this.tail.slice(cut);
    }
  }

  get empty(): boolean {
    return this.head.length === 0;
  }
}

function firstLines(s: string, n: number): string {
  let i = -1;
  for (let k = 0; k < n; k++) {
    i = s.indexOf('\n', i + 1);
    if (i < 0) return s;
  }
  return s.slice(0, i);
}

function lastLines(s: string, n: number): string {
  const trimmed = s.endsWith('\n') ? s.slice(0, -1) : s;
  let i = trimmed.length;
  for (let k = 0; k < n; k++) {
    i = trimmed.lastIndexOf('\n', i - 1);
    if (i < 0) return trimmed;
  }
  return trimmed.slice(i + 1);
}

export class OutputView {
  readonly element: HTMLElement;
  private readonly headPre: HTMLElement;
  private readonly tailPre: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private expanded = false;
  private readonly buffer: OutputBuffer;
  private readonly queue: FrameQueue;
  private readonly renderTask = (): void => this.render();

  constructor(buffer: OutputBuffer, queue: FrameQueue, label: string) {
    this.buffer = buffer;
    this.queue = queue;
    this.headPre = h('pre', { class: 'output-text' });
    this.tailPre = h('pre', { class: 'output-text' });
    this.toggle = h('button', { type: 'button', class: 'output-toggle', 'aria-expanded': 'false' });
    this.toggle.addEventListener('click', () => {
      this.expanded = !this.expanded;
      this.render();
    });
    this.element = h(
      'div',
      { class: 'tool-output', role: 'region', 'aria-label': `Output of ${label}` },
      this.headPre,
      this.toggle,
      this.tailPre,
    );
    this.render();
  }

  changed(): void {
    this.queue.schedule(this.renderTask);
  }

  dispose(): void {
    this.queue.cancel(this.renderTask);
  }

  private render(): void {
    const b = this.buffer;
    this.element.hidden = b.empty;
    const whole = b.dropped === 0 ? b.head + b.tail : '';
    const collapsible = b.lines > COLLAPSE_OVER || b.dropped > 0;
    if (!collapsible) {
      this.headPre.textContent = whole;
      this.toggle.hidden = true;
      this.tailPre.hidden = true;
      return;
    }
    const omitted = b.dropped > 0 ? `… ${Math.ceil(b.dropped / 1024)} KB of output not kept …` : '';
    this.toggle.hidden = false;
    this.tailPre.hidden = false;
    this.toggle.setAttribute('aria-expanded', String(this.expanded));
    if (this.expanded) {
      this.headPre.textContent = whole || b.head;
      this.tailPre.textContent = whole ? '' : b.tail;
      this.tailPre.hidden = !!whole;
      this.toggle.replaceChildren(icon('chevron-up'), h('span', { text: omitted || 'Show less' }));
      this.toggle.setAttribute('aria-label', 'Collapse output');
    } else {
      const all = whole || b.head;
      this.headPre.textContent = firstLines(all, SHOW_LINES);
      this.tailPre.textContent = lastLines(whole || b.tail, SHOW_LINES);
      const hidden = Math.max(0, b.lines - 2 * SHOW_LINES);
      this.toggle.replaceChildren(
        icon('chevron-down'),
        h('span', { text: `${String(hidden)} more lines${omitted ? ' (partly not kept)' : ''}` }),
      );
      this.toggle.setAttribute('aria-label', `Show all output (${hidden} more lines)`);
    }
  }
}
