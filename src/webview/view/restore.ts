// "Restore workspace to here" and "Undo restore" (checkpoints): before anything is written, the
// diff of what would change, the files changed by hand since Warmline wrote them, and the choice.
// Everything in it is text (paths and file contents come from the workspace, never markup).
import type { RestorePlanView } from '../../shared/messages.ts';
import { button, h, icon } from '../dom.ts';
import type { Post } from '../protocol.ts';
import { diffView } from './diff.ts';

export function restorePlanView(plan: RestorePlanView, post: Post, close: () => void): HTMLElement {
  const title = plan.undo ? 'Undo restore' : `Restore workspace to message ${plan.turn + 1}`;
  const panel = h('section', { class: 'restore-plan', role: 'group', 'aria-label': title });
  panel.append(
    h('div', { class: 'restore-plan-head' }, icon(plan.undo ? 'redo' : 'discard'), h('span', { text: title })),
  );
  const cancel = button(
    { label: plan.error ? 'Close' : 'Cancel', text: true, class: 'btn secondary restore-cancel' },
    close,
  );
  if (plan.error) {
    panel.append(
      h('p', { class: 'restore-error', role: 'alert', text: plan.error }),
      h('div', { class: 'restore-actions' }, cancel),
    );
    return panel;
  }
  panel.append(
    h('p', {
      class: 'restore-note',
      text: plan.undo
        ? 'The files go back to what they were just before the restore.'
        : "Files changed by Warmline's edits from this message on go back to what they were before it. Files changed by tasks or shell commands are not restored.",
    }),
  );
  if (plan.handChanged.length) {
    panel.append(
      h(
        'div',
        { class: 'restore-hand', role: 'alert' },
        h('p', {
          text: 'Changed by hand since Warmline wrote them; your changes there will be replaced (Undo restore gives them back):',
        }),
        h('ul', {}, ...plan.handChanged.map((p) => h('li', { class: 'restore-hand-path', text: p }))),
      ),
    );
  }
  panel.append(
    plan.diff.length
      ? diffView(plan.diff)
      : h('p', { class: 'restore-same', text: 'The files are already as they were there.' }),
  );
  const apply = (conversation: boolean) => () => {
    close();
    post('checkpoint.apply', plan.undo ? { undo: plan.undo } : { turn: plan.turn, conversation });
  };
  const actions = h('div', { class: 'restore-actions' });
  if (plan.undo) {
    const undo = button({ label: 'Undo restore', text: true, class: 'btn restore-files' }, apply(false));
    undo.disabled = !plan.diff.length;
    actions.append(undo);
  } else {
    const files = button({ label: 'Restore files', text: true, class: 'btn restore-files' }, apply(false));
    files.disabled = !plan.diff.length;
    actions.append(
      files,
      button(
        { label: 'Restore files and conversation', text: true, class: 'btn secondary restore-conversation' },
        apply(true),
      ),
    );
  }
  actions.append(cancel);
  panel.append(actions);
  return panel;
}
