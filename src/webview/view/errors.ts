// An error where it happened (the assistant message that failed), with a button per thing the
// user can do about it. The message comes from the host and is shown as text.
import type { ErrorAction, ErrorView } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';

const ACTIONS: Record<ErrorAction, { label: string; icon: string }> = {
  setKey: { label: 'Set API Key', icon: 'key' },
  retry: { label: 'Retry', icon: 'refresh' },
  openSettings: { label: 'Open Settings', icon: 'settings-gear' },
  showLog: { label: 'Show Log', icon: 'output' },
  compact: { label: 'Compact Conversation', icon: 'fold' },
  newChat: { label: 'New Chat', icon: 'add' },
};

export function errorView(error: ErrorView, post: Post): HTMLElement {
  const actions = h('div', { class: 'error-actions' });
  error.actions.forEach((action, i) => {
    const spec = ACTIONS[action];
    if (!spec) return;
    actions.append(
      button({ label: spec.label, icon: spec.icon, text: true, class: i === 0 ? 'btn' : 'btn secondary' }, () =>
        post('error.action', { action }),
      ),
    );
  });
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('div', { class: 'error-line' }, icon('error'), h('span', { class: 'error-message', text: error.message })),
    error.code ? h('div', { class: 'error-code', text: `Error code: ${error.code}` }) : null,
    actions.childElementCount ? actions : null,
  );
}
