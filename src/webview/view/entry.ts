// One conversation entry in the log. Its <article> is always in the DOM (so scrolling and the
// scrollbar are right), but its content exists only while it is near the viewport: otherwise it
// is an empty article of the entry's last measured (or estimated) height. See chat.ts.
import { h } from '../dom.ts';

export abstract class LazyEntry {
  readonly id: string;
  readonly element: HTMLElement;
  private measured = 0;
  materialised = false;

  constructor(id: string, cls: string, label: string) {
    this.id = id;
    this.element = h('article', { class: `entry ${cls}`, 'aria-label': label, 'data-entry-id': id });
  }

  /** Height to reserve before the entry was ever shown (px); roughly right is good enough. */
  protected abstract estimateHeight(): number;
  /** Builds the content into `this.element`. */
  protected abstract build(): void;
  /** Drops references to built content (and its pending renders). */
  protected abstract teardown(): void;
  /** Whether the entry must stay built (streaming, waiting for a decision). */
  protected abstract pinned(): boolean;

  /** The placeholder's height: measured when the entry was last built, else estimated. */
  get reservedHeight(): number {
    return this.measured || this.estimateHeight();
  }

  /** An empty article of the reserved height stands in for the content (no extra element). */
  showPlaceholder(): void {
    this.element.replaceChildren();
    this.element.style.height = `${this.reservedHeight}px`;
    this.element.classList.add('lazy');
  }

  materialise(): void {
    if (this.materialised) return;
    this.materialised = true;
    this.element.classList.remove('lazy');
    this.element.style.height = '';
    // While it is off screen (content-visibility, style.css) the entry keeps the height it had
    // as a placeholder, then the height it last had on screen.
    this.element.style.containIntrinsicSize = `auto ${this.reservedHeight}px`;
    this.element.replaceChildren();
    this.build();
  }

  canDematerialise(): boolean {
    return this.materialised && !this.pinned() && !this.element.contains(document.activeElement);
  }

  /** The entry leaves the log (another chat opened). */
  destroy(): void {
    if (this.materialised) this.teardown();
    this.materialised = false;
  }

  /** `height` is the entry's current height, read by the caller from an observer entry (no forced layout). */
  dematerialise(height: number): void {
    if (!this.canDematerialise()) return;
    this.measured = Math.round(height);
    this.teardown();
    this.materialised = false;
    this.showPlaceholder();
  }
}

/** Lines a text will take in a sidebar about 60 characters wide. */
export function estimateLines(text: string): number {
  let lines = 0;
  for (const line of text.split('\n')) lines += Math.max(1, Math.ceil(line.length / 60));
  return lines;
}
