// Turns renderer output into DOM through an inert <template> and an allowlist walk. markdown-it
// (html: false) and highlight.js already escape everything, so this is a second line of defence:
// if a rule ever let markup through, it still could not add a script, a handler or a URL.

const ALLOWED_TAGS = new Set([
  'P',
  'BR',
  'HR',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'BLOCKQUOTE',
  'UL',
  'OL',
  'LI',
  'PRE',
  'CODE',
  'SPAN',
  'EM',
  'STRONG',
  'S',
  'DEL',
  'A',
  'DIV',
  'TABLE',
  'THEAD',
  'TBODY',
  'TR',
  'TH',
  'TD',
  'BUTTON',
  'SUP',
  'SUB',
]);
const GLOBAL_ATTRS = new Set(['class', 'title', 'aria-hidden', 'aria-label']);
const TAG_ATTRS: Record<string, Set<string>> = {
  A: new Set(['data-href', 'tabindex', 'role']),
  OL: new Set(['start']),
  BUTTON: new Set(['type']),
};

export function sanitizedFragment(html: string): DocumentFragment {
  // A fresh template per call: its content belongs to an inert document (nothing loads or runs
  // there) and is adopted when appended.
  const template = document.createElement('template');
  template.innerHTML = html;
  const fragment = template.content;
  for (const el of Array.from(fragment.querySelectorAll('*'))) {
    if (!ALLOWED_TAGS.has(el.tagName)) {
      el.replaceWith(document.createTextNode(el.textContent ?? ''));
      continue;
    }
    const extra = TAG_ATTRS[el.tagName];
    for (const attr of Array.from(el.attributes)) {
      if (!GLOBAL_ATTRS.has(attr.name) && !extra?.has(attr.name)) el.removeAttribute(attr.name);
    }
  }
  return fragment;
}
