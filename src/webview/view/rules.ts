// The header's Rules chip (issue 15): how many project rules files (AGENTS.md, …) are in effect,
// and, opened, the list in order (general first: on a conflict the later one wins) with each
// file's size, whether it was cut, or why it was not read. A file in effect opens in the editor.
// Paths come from the workspace: text only, never markup.
import type { HostMessages, RulesFileView } from '../../shared/messages.ts';
import { h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';

export class RulesChip {
  /** The button in the header row (hidden while no rules file exists). */
  readonly chip: HTMLButtonElement;
  /** The list, under the header row, while open. */
  readonly panel: HTMLElement;
  private readonly label: HTMLElement;
  private readonly list: HTMLElement;
  private readonly post: Post;

  constructor(post: Post) {
    this.post = post;
    this.label = h('span', { class: 'rules-chip-label' });
    this.chip = h(
      'button',
      {
        type: 'button',
        class: 'badge rules-chip',
        'aria-expanded': 'false',
        'aria-controls': 'rules-panel',
        hidden: true,
      },
      icon('book'),
      this.label,
    );
    this.chip.addEventListener('click', () => this.toggle());
    this.list = h('ul', { class: 'rules-list' });
    this.panel = h(
      'div',
      { class: 'rules-panel', id: 'rules-panel', role: 'region', 'aria-label': 'Project rules', hidden: true },
      h('div', {
        class: 'rules-title',
        text: 'Project rules sent with each request (on a conflict, a later file wins)',
      }),
      this.list,
    );
    this.panel.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      this.close();
      this.chip.focus();
    });
  }

  get open(): boolean {
    return !this.panel.hidden;
  }

  set(p: HostMessages['rules']): void {
    const files = p.files;
    const used = files.filter((f) => !f.refused);
    const cut = used.filter((f) => f.truncated).length;
    const refused = files.length - used.length;
    this.chip.hidden = files.length === 0;
    if (!files.length) this.close();
    this.label.textContent = `Rules: ${used.length}${cut ? ` · ${cut} cut` : ''}${refused ? ` · ${refused} not read` : ''}`;
    this.chip.dataset.tone = cut || refused ? 'warn' : 'ok';
    this.chip.title = files.map((f) => `${f.path} — ${describe(f)}`).join('\n');
    this.chip.setAttribute('aria-label', `Project rules: ${used.length} in effect. Show the list`);
    this.list.replaceChildren(...files.map((f) => this.item(f)));
  }

  toggle(): void {
    if (this.open) this.close();
    else {
      this.panel.hidden = false;
      this.chip.setAttribute('aria-expanded', 'true');
      this.panel.querySelector<HTMLElement>('.rules-file')?.focus();
    }
  }

  close(): void {
    this.panel.hidden = true;
    this.chip.setAttribute('aria-expanded', 'false');
  }

  private item(f: RulesFileView): HTMLElement {
    const path = h('span', { class: 'rules-path', text: f.path });
    const meta = h('span', { class: 'rules-meta', text: describe(f) });
    if (f.refused)
      return h(
        'li',
        { class: 'rules-item refused', title: `${f.path}: ${f.refused}` },
        icon('circle-slash'),
        path,
        meta,
      );
    const open = h(
      'button',
      { type: 'button', class: 'rules-file', title: `Open ${f.path}` },
      icon(f.scope === 'user' ? 'account' : 'file'),
      path,
      meta,
    );
    open.addEventListener('click', () => this.post('rules.open', { path: f.path }));
    return h('li', { class: `rules-item${f.truncated ? ' truncated' : ''}` }, open);
  }
}

function describe(f: RulesFileView): string {
  if (f.refused) return f.refused;
  const size = f.bytes < 1024 ? `${f.bytes} bytes` : `${(f.bytes / 1024).toFixed(1)} KB`;
  return `${size}${f.scope === 'user' ? ', your own rules' : ''}${f.truncated ? ', cut to the size limit' : ''}`;
}
