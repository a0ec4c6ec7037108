// What an editor holds beside the files, for the hosts that have no editor (NodeHost, MemoryHost):
// documents open with unsaved changes, and diagnostics, both set by the caller (tests, the demo).
// Keyed by URI; a local path is taken as its `file:` URI.
import type { Diagnostic } from './types.ts';
import { toUri } from './uri.ts';

export class SimulatedEditor {
  private readonly docs = new Map<string, string>();
  private readonly diags = new Map<string, Diagnostic[]>();

  /** Simulates an editor buffer with unsaved changes (undefined closes it). */
  setOpenDocument(file: string, text: string | undefined): void {
    if (text === undefined) this.docs.delete(toUri(file));
    else this.docs.set(toUri(file), text);
  }

  openDocumentText(file: string): string | undefined {
    return this.docs.get(toUri(file));
  }

  /** Sets a file's diagnostics; they are reported with the file's URI. */
  setDiagnostics(file: string, list: Array<Omit<Diagnostic, 'path'>>): void {
    const uri = toUri(file);
    this.diags.set(
      uri,
      list.map((d) => ({ ...d, path: uri })),
    );
  }

  diagnostics(file?: string): Diagnostic[] {
    if (file !== undefined) return [...(this.diags.get(toUri(file)) ?? [])];
    return [...this.diags.values()].flat();
  }
}
