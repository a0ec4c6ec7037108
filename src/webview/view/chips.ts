// Context chips: what goes with the next message (a file, a selection). File names are text.
import type { ContextChip } from '../../shared/messages.ts';
import { h, icon } from '../dom.ts';
import { thumbnailUrl } from './images.ts';

const ICONS: Record<ContextChip['kind'], string> = {
  file: 'file',
  selection: 'list-selection',
  folder: 'folder',
  problems: 'warning',
  terminal: 'terminal',
  git: 'git-compare',
  image: 'file-media',
};

export function chipLabel(chip: ContextChip): string {
  const range = chip.range ? `:${chip.range.start}-${chip.range.end}` : '';
  return chip.label || `${chip.path}${range}`;
}

export function chipView(chip: ContextChip, onRemove?: (ev: MouseEvent) => void): HTMLElement {
  const title = chip.path
    ? `${chip.path}${chip.range ? ` lines ${chip.range.start}-${chip.range.end}` : ''}`
    : chipLabel(chip);
  // An image shows itself (a thumbnail through a blob: URL); an image kept without its bytes, the icon.
  const thumb = chip.kind === 'image' && chip.image?.dataUrl ? thumbnailUrl(chip.image.dataUrl) : undefined;
  const el = h(
    'span',
    { class: `chip chip-${chip.kind}`, role: 'listitem', title },
    thumb ? h('img', { class: 'chip-thumb', src: thumb, alt: '' }) : icon(ICONS[chip.kind] ?? 'file'),
    h('span', { class: 'chip-label', text: chipLabel(chip) }),
  );
  if (onRemove) {
    const remove = h(
      'button',
      { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${chipLabel(chip)} from context`, title: 'Remove' },
      icon('close'),
    );
    remove.addEventListener('click', onRemove);
    el.append(remove);
  }
  return el;
}
