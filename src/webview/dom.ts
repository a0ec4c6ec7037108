// Small DOM builders. Text always goes in through textContent (never markup), so anything the
// model, a tool or a file name says is shown, not interpreted.

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') el.className = String(value);
    else if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A codicon glyph; decorative, so hidden from screen readers (the button or label carries the name). */
export function icon(name: string, extra = ''): HTMLElement {
  return h('span', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, 'aria-hidden': 'true' });
}

/** A real <button> (Enter and Space work natively) with an icon and/or a visible label. */
export function button(
  opts: { label: string; icon?: string; text?: boolean; class?: string; title?: string },
  onClick: (ev: MouseEvent) => void,
): HTMLButtonElement {
  const b = h('button', {
    type: 'button',
    class: opts.class ?? (opts.text ? 'btn' : 'icon-btn'),
    'aria-label': opts.label,
    title: opts.title ?? opts.label,
  });
  if (opts.icon) b.append(icon(opts.icon));
  if (opts.text) b.append(h('span', { text: opts.label }));
  b.addEventListener('click', onClick);
  return b;
}

/**
 * All DOM work for streamed content runs here, once per animation frame: every delta only marks
 * something dirty, so 50 deltas in one frame cost one render. rAF does not fire while the view is
 * hidden, so a hidden sidebar does no rendering at all and catches up in one frame when shown.
 * `after` tasks run once the frame's renders are done (keeping the log pinned to the bottom).
 */
export class FrameQueue {
  private readonly tasks = new Set<() => void>();
  private readonly afterTasks = new Set<() => void>();
  private queued = false;

  schedule(task: () => void): void {
    this.tasks.add(task);
    this.request();
  }

  after(task: () => void): void {
    this.afterTasks.add(task);
    this.request();
  }

  /** Cancels a scheduled task (its owner was removed). */
  cancel(task: () => void): void {
    this.tasks.delete(task);
  }

  private request(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => this.run());
  }

  private run(): void {
    // `queued` stays set while running: work scheduled by a task (a render asking for the log to
    // follow) joins this frame's `after` batch instead of requesting an empty extra frame.
    for (const set of [this.tasks, this.afterTasks]) {
      const batch = Array.from(set);
      set.clear();
      for (const task of batch) {
        try {
          task();
        } catch (error) {
          console.error('warmline webview: render failed', error);
        }
      }
    }
    this.queued = false;
    if (this.tasks.size || this.afterTasks.size) this.request();
  }
}
