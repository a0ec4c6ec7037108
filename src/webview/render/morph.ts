// Updates rendered DOM in place from a freshly rendered copy. The streaming tail is rendered again
// every frame, but from one frame to the next most of it is the same: a paragraph grew by a few
// words, an open code block by a line. Replacing the whole tail makes the browser style, lay out
// and paint every node of it again (a code block is a few hundred highlighted spans); keeping the
// nodes that did not change limits that to the end that did.

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

function sameAttributes(a: Element, b: Element): boolean {
  const attrs = a.attributes;
  if (attrs.length !== b.attributes.length) return false;
  for (let i = 0; i < attrs.length; i++) {
    const attr = attrs[i] as Attr;
    if (b.getAttribute(attr.name) !== attr.value) return false;
  }
  return true;
}

/**
 * Makes `target`'s children equal to `source`'s (`source` is consumed: its nodes move into
 * `target` where `target` had nothing equal). Equal nodes are kept, text nodes are updated in
 * place, elements with the same tag and attributes are updated child by child.
 */
export function morphChildren(target: Node, source: Node): void {
  let t = target.firstChild;
  let s = source.firstChild;
  while (s) {
    const nextSource: ChildNode | null = s.nextSibling;
    if (!t) {
      target.appendChild(s);
    } else {
      const nextTarget: ChildNode | null = t.nextSibling;
      // Most nodes are unchanged: one native comparison settles them.
      if (!t.isEqualNode(s)) {
        if (t.nodeType === TEXT_NODE && s.nodeType === TEXT_NODE) (t as Text).data = (s as Text).data;
        else if (
          t.nodeType === ELEMENT_NODE &&
          s.nodeType === ELEMENT_NODE &&
          t.nodeName === s.nodeName &&
          sameAttributes(t as Element, s as Element)
        )
          morphChildren(t, s);
        else target.replaceChild(s, t);
      }
      t = nextTarget;
    }
    s = nextSource;
  }
  while (t) {
    const next: ChildNode | null = t.nextSibling;
    target.removeChild(t);
    t = next;
  }
}
