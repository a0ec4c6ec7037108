// highlight.js core with a few common languages registered by hand: the full build would add
// ~900 KB to a bundle that must load instantly. Unknown languages are shown plain (no
// auto-detection: it is slow and often wrong on short snippets).
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = { bash, cpp, csharp, css, diff, go, java, javascript, json, markdown, python, rust, shell, sql, typescript, xml, yaml };
for (const [name, fn] of Object.entries(languages)) hljs.registerLanguage(name, fn);
hljs.registerAliases(['sh', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['jsonc'], { languageName: 'json' });

/**
 * highlight.js compiles a grammar the first time it is used (tens of ms for TypeScript); doing
 * that for the usual languages while the view is idle keeps it off the first streamed code block.
 */
export function warmUpHighlighting(): void {
  const idle = (globalThis as { requestIdleCallback?: (fn: () => void) => void }).requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 200));
  const queue = ['typescript', 'javascript', 'python', 'bash', 'json'];
  const next = (): void => {
    const name = queue.shift();
    if (!name) return;
    hljs.highlight('x', { language: name, ignoreIllegals: true });
    idle(next);
  };
  idle(next);
}

/** Highlighting a very large block on every frame would stall the view; such blocks stay plain. */
const MAX_HIGHLIGHT_CHARS = 60_000;

export interface Highlighted {
  /** Escaped HTML (hljs escapes its input; spans carry only `hljs-*` classes). */
  html: string;
  /** The canonical language name, or '' when shown plain. */
  language: string;
}

export function highlightCode(code: string, lang: string, escape: (s: string) => string): Highlighted {
  const language = lang ? hljs.getLanguage(lang.toLowerCase()) : undefined;
  if (!language || code.length > MAX_HIGHLIGHT_CHARS) return { html: escape(code), language: '' };
  const name = lang.toLowerCase();
  try {
    return { html: hljs.highlight(code, { language: name, ignoreIllegals: true }).value, language: name };
  } catch {
    return { html: escape(code), language: '' };
  }
}
