import * as vscode from 'vscode';
import { PrewarmScheduler, contextCovers, inlineContext, inlineInstruction } from '../agent/inline-context.ts';
import type { InlineDocument } from '../agent/inline-context.ts';
import { SuggestionModel, codeFromStream } from '../agent/suggestion.ts';
import type { LayoutLine } from '../agent/suggestion.ts';
import type { SessionManager } from '../session/manager.ts';
import { inlineReply } from './inline-reply.ts';
import { readSettings } from './settings.ts';

const removedLine = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
  outlineColor: new vscode.ThemeColor('diffEditor.removedTextBorder'),
  overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.deletedForeground'),
  overviewRulerLane: vscode.OverviewRulerLane.Left,
});
const addedLine = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('diffEditor.insertedLineBackground'),
  outlineColor: new vscode.ThemeColor('diffEditor.insertedTextBorder'),
  overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'),
  overviewRulerLane: vscode.OverviewRulerLane.Left,
});

type Kind = LayoutLine['kind'] | 'user';

let nextId = 1;

/**
 * One suggestion showing in a document: a region of lines laid out as a vertical diff. It keeps
 * a map of what each line of the region is, moved along with every edit, so that when the user
 * types into it the suggestion can take its own lines out and leave theirs alone.
 */
class Suggestion {
  readonly id = nextId++;
  readonly uri: vscode.Uri;
  readonly model: SuggestionModel;
  readonly controller = new AbortController();
  start: number;
  kinds: Kind[];
  hunkOf: Array<number | undefined>;
  error?: string;

  constructor(uri: vscode.Uri, start: number, original: string[]) {
    this.uri = uri;
    this.start = start;
    this.model = new SuggestionModel(original);
    this.kinds = original.map(() => 'same');
    this.hunkOf = original.map(() => undefined);
  }

  get end(): number {
    return this.start + this.kinds.length;
  }
}

export interface InlineRequest {
  instruction: string;
  document: vscode.TextDocument;
  range: vscode.Range;
}

/**
 * Inline edit suggestions: the model's rewrite of a range, streamed into the editor as a vertical
 * diff (removed lines and added lines as decorations), with Accept / Reject per block (CodeLens)
 * and for all (Tab / Escape). Accepting applies the result as one undoable edit from the original;
 * rejecting leaves the original text; typing inside the region withdraws the suggestion.
 */
export class InlineEdits implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly suggestions = new Map<string, Suggestion[]>();
  private readonly session: SessionManager;
  private readonly log: vscode.LogOutputChannel;
  private ownEdit = 0;
  private readonly lensChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Stages the active file on the inline lane while the editor sits still (see inline-context.ts). */
  private readonly prewarm: PrewarmScheduler;

  constructor(session: SessionManager, log: vscode.LogOutputChannel) {
    this.session = session;
    this.log = log;
    this.prewarm = new PrewarmScheduler(async (ctx) => {
      const staged = await this.session.stage([ctx.message], { lane: 'inline' });
      if (staged)
        this.log.debug(`inline: staged ${ctx.uri} lines ${ctx.start + 1}-${ctx.end} (version ${ctx.version})`);
      return staged;
    });
    const settle = (editor: vscode.TextEditor | undefined) => {
      if (editor?.document.uri.scheme !== 'file' || !readSettings().inlinePrewarm) return;
      this.prewarm.notify(() => {
        if (vscode.window.activeTextEditor !== editor || editor.document.isClosed) return undefined;
        return inlineContext(
          editor.document.uri.toString(),
          inlineDocument(editor.document),
          editor.selection.active.line,
        );
      });
    };
    this.disposables.push(
      { dispose: () => this.prewarm.dispose() },
      vscode.window.onDidChangeTextEditorSelection((e) => settle(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((e) => settle(e)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document && !this.ownEdit)
          settle(vscode.window.activeTextEditor);
      }),
      vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this),
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.redecorateAll()),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.workspace.onDidCloseTextDocument((d) => this.drop(d.uri)),
    );
  }

  /** Suggestions open in a document (tests read their state). */
  list(uri: vscode.Uri): ReadonlyArray<{ id: number; done: boolean; hunks: number; error?: string }> {
    return (this.suggestions.get(uri.toString()) ?? []).map((s) => ({
      id: s.id,
      done: s.model.done,
      hunks: s.model.hunks().length,
      error: s.error,
    }));
  }

  /** Asks the model for a rewrite of the range and streams it in. Resolves when the proposal is complete. */
  async propose(req: InlineRequest): Promise<void> {
    const doc = req.document;
    const first = req.range.start.line;
    const last =
      req.range.end.character === 0 && req.range.end.line > first ? req.range.end.line - 1 : req.range.end.line;
    const key = doc.uri.toString();
    const existing = this.suggestions.get(key) ?? [];
    if (existing.some((s) => first < s.end && last >= s.start))
      throw new Error('A suggestion is already showing there. Accept or reject it first.');
    const original = Array.from({ length: last - first + 1 }, (_, i) => doc.lineAt(first + i).text);
    const s = new Suggestion(doc.uri, first, original);
    this.suggestions.set(key, [...existing, s]);
    this.updateContext();
    // The file (or the region around the lines) as staged while the editor sat still, when it
    // still shows the document as it is: then only the instruction goes, as a delta on it.
    const inlineDoc = inlineDocument(doc);
    const staged = this.prewarm.staged();
    const context = contextCovers(staged, key, doc.version, first, last)
      ? staged
      : inlineContext(key, inlineDoc, first);
    this.prewarm.consumed();
    const input = context
      ? [context.message, inlineInstruction(inlineDoc, first, last, req.instruction)]
      : [inlineInstruction(inlineDoc, first, last, req.instruction, false)];
    let text = '';
    let pending: Promise<void> = Promise.resolve();
    const render = (done: boolean) => {
      pending = pending.then(async () => {
        if (!this.isOpen(s)) return;
        s.model.update(codeFromStream(text, done), done);
        await this.layout(s);
      });
      return pending;
    };
    try {
      const result = await this.session.respond(input, {
        lane: 'inline',
        signal: s.controller.signal,
        onEvent: (ev) => {
          if (ev.type !== 'response.output_text.delta') return;
          const before = codeFromStream(text, false).length;
          text += ev.delta;
          if (codeFromStream(text, false).length !== before) void render(false);
        },
        onRestart: () => {
          text = '';
        },
      });
      // No deltas streamed: the text of the message items (never their JSON), or the refusal.
      const reply = inlineReply(text, result.output);
      text = reply.text;
      await render(true);
      if (!s.model.hunks().length && this.isOpen(s)) {
        s.error = reply.refusal ? `The model declined: ${reply.refusal}` : 'The model proposed no change.';
        void vscode.window.showInformationMessage(
          reply.refusal
            ? `Warmline: the model declined: ${reply.refusal}`
            : 'Warmline: the model proposed no change for that selection.',
        );
        await this.close(s);
      }
    } catch (err) {
      await pending;
      if (this.isOpen(s)) {
        s.error = String((err as Error)?.message ?? err);
        await this.withdraw(s);
      }
      if ((err as { code?: string })?.code !== 'cancelled') throw err;
    } finally {
      this.lensChanged.fire();
    }
  }

  async acceptHunk(uri: vscode.Uri, id: number, hunk: number): Promise<void> {
    await this.decide(uri, id, (s) => s.model.decide(hunk, 'accepted'));
  }
  async rejectHunk(uri: vscode.Uri, id: number, hunk: number): Promise<void> {
    await this.decide(uri, id, (s) => s.model.decide(hunk, 'rejected'));
  }

  /** Accept or reject every pending block of the suggestions in a document (the active one by default). */
  async settleAll(
    decision: 'accepted' | 'rejected',
    uri = vscode.window.activeTextEditor?.document.uri,
  ): Promise<void> {
    if (!uri) return;
    for (const s of [...(this.suggestions.get(uri.toString()) ?? [])]) {
      if (!s.model.done) {
        s.controller.abort();
        if (decision === 'rejected') continue;
      }
      await this.decide(uri, s.id, (x) => x.model.decideAll(decision));
    }
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    for (const s of this.suggestions.get(doc.uri.toString()) ?? []) {
      const top = new vscode.Range(s.start, 0, s.start, 0);
      if (!s.model.done) {
        lenses.push(
          new vscode.CodeLens(top, {
            title: '$(loading~spin) Warmline is writing…  Stop (Esc)',
            command: 'warmline.inline.rejectAll',
            arguments: [doc.uri],
          }),
        );
        continue;
      }
      const pendingHunks = s.model.hunks().filter((h) => h.decision === 'pending').length;
      if (pendingHunks > 1) {
        lenses.push(
          new vscode.CodeLens(top, {
            title: 'Accept All (Tab)',
            command: 'warmline.inline.acceptAll',
            arguments: [doc.uri],
          }),
        );
        lenses.push(
          new vscode.CodeLens(top, {
            title: 'Reject All (Esc)',
            command: 'warmline.inline.rejectAll',
            arguments: [doc.uri],
          }),
        );
      }
      const seen = new Set<number>();
      s.hunkOf.forEach((h, i) => {
        if (h === undefined || seen.has(h)) return;
        seen.add(h);
        const at = new vscode.Range(s.start + i, 0, s.start + i, 0);
        lenses.push(
          new vscode.CodeLens(at, {
            title: 'Accept',
            command: 'warmline.inline.acceptHunk',
            arguments: [doc.uri, s.id, h],
          }),
        );
        lenses.push(
          new vscode.CodeLens(at, {
            title: 'Reject',
            command: 'warmline.inline.rejectHunk',
            arguments: [doc.uri, s.id, h],
          }),
        );
      });
    }
    return lenses;
  }

  dispose(): void {
    for (const list of this.suggestions.values()) for (const s of list) s.controller.abort();
    for (const d of this.disposables) d.dispose();
    this.lensChanged.dispose();
  }

  // ---------- internals ----------

  private isOpen(s: Suggestion): boolean {
    return (this.suggestions.get(s.uri.toString()) ?? []).includes(s);
  }

  private async decide(uri: vscode.Uri, id: number, fn: (s: Suggestion) => void): Promise<void> {
    const s = (this.suggestions.get(uri.toString()) ?? []).find((x) => x.id === id);
    if (!s) return;
    fn(s);
    if (!s.model.settled) {
      await this.layout(s);
      return;
    }
    // One edit from the original to the result: a single Undo after accepting gives the original back.
    await this.replaceRegion(s, s.model.original, 'same');
    const result = s.model.result();
    if (result.join('\n') !== s.model.original.join('\n')) await this.replaceRegion(s, result, 'same');
    await this.close(s);
  }

  /** Writes the model's layout into the region (its own edit, not the user's). */
  private async layout(s: Suggestion): Promise<void> {
    const lines = s.model.layout();
    await this.replaceRegion(
      s,
      lines.map((l) => l.text),
      lines.map((l) => l.kind),
      lines.map((l) => l.hunk),
    );
    this.lensChanged.fire();
  }

  private async replaceRegion(
    s: Suggestion,
    lines: string[],
    kinds: Kind[] | Kind,
    hunks: Array<number | undefined> = [],
  ): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === s.uri.toString());
    if (!doc) return;
    const current = s.kinds.length;
    const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const edit = new vscode.WorkspaceEdit();
    let range: vscode.Range;
    let text: string;
    if (current === 0) {
      range = new vscode.Range(s.start, 0, s.start, 0);
      text = lines.length ? lines.join(eol) + eol : '';
    } else if (s.end < doc.lineCount) {
      range = new vscode.Range(s.start, 0, s.end, 0);
      text = lines.length ? lines.join(eol) + eol : '';
    } else {
      // The region runs to the end of the document: no newline after its last line.
      range = new vscode.Range(s.start, 0, doc.lineCount - 1, doc.lineAt(doc.lineCount - 1).text.length);
      text = lines.join(eol);
      if (!lines.length && s.start > 0)
        range = new vscode.Range(s.start - 1, doc.lineAt(s.start - 1).text.length, range.end.line, range.end.character);
    }
    if (doc.getText(range) === text) {
      this.setKinds(s, lines, kinds, hunks);
      this.decorate(s.uri);
      return;
    }
    edit.replace(doc.uri, range, text);
    this.ownEdit++;
    try {
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the edit');
    } finally {
      this.ownEdit--;
    }
    this.setKinds(s, lines, kinds, hunks);
    this.decorate(s.uri);
  }

  private setKinds(s: Suggestion, lines: string[], kinds: Kind[] | Kind, hunks: Array<number | undefined>): void {
    s.kinds = typeof kinds === 'string' ? lines.map(() => kinds) : kinds;
    s.hunkOf = lines.map((_, i) => hunks[i]);
  }

  /** Someone else changed the document: move the regions along, and withdraw any they typed into. */
  private onChange(e: vscode.TextDocumentChangeEvent): void {
    const list = this.suggestions.get(e.document.uri.toString());
    if (!list?.length || this.ownEdit > 0 || !e.contentChanges.length) return;
    for (const s of [...list]) {
      let touched = false;
      for (const c of e.contentChanges) {
        const added = c.text.split(/\r\n|\n/).length - 1;
        const removed = c.range.end.line - c.range.start.line;
        const endsBefore =
          c.range.end.line < s.start ||
          (c.range.end.line === s.start && c.range.end.character === 0 && (!c.range.isEmpty || /\n$/.test(c.text)));
        if (endsBefore) {
          s.start += added - removed;
        } else if (c.range.start.line < s.end) {
          touched = true;
          const from = Math.max(0, c.range.start.line - s.start);
          const to = Math.min(s.kinds.length - 1, c.range.end.line - s.start);
          const count = Math.max(0, to - from + 1);
          if (c.range.start.line < s.start) s.start = c.range.start.line;
          s.kinds.splice(
            from,
            count,
            ...Array.from({ length: Math.max(1, count + added - removed) }, (): Kind => 'user'),
          );
          s.hunkOf.splice(
            from,
            count,
            ...Array.from({ length: Math.max(1, count + added - removed) }, () => undefined),
          );
        }
      }
      if (touched) void this.withdraw(s);
    }
    this.decorate(e.document.uri);
    this.lensChanged.fire();
  }

  /** Takes the suggestion's own added lines out and leaves everything else (the original and the user's typing). */
  private async withdraw(s: Suggestion): Promise<void> {
    s.controller.abort();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === s.uri.toString());
    if (doc) {
      const edit = new vscode.WorkspaceEdit();
      for (let i = 0; i < s.kinds.length; i++) {
        if (s.kinds[i] !== 'added') continue;
        const line = s.start + i;
        if (line < doc.lineCount - 1) edit.delete(doc.uri, new vscode.Range(line, 0, line + 1, 0));
        else if (line > 0)
          edit.delete(
            doc.uri,
            new vscode.Range(line - 1, doc.lineAt(line - 1).text.length, line, doc.lineAt(line).text.length),
          );
      }
      if (edit.size) {
        this.ownEdit++;
        try {
          await vscode.workspace.applyEdit(edit);
        } finally {
          this.ownEdit--;
        }
      }
    }
    this.log.info(`inline suggestion ${s.id} withdrawn`);
    await this.close(s);
  }

  private async close(s: Suggestion): Promise<void> {
    s.controller.abort();
    const key = s.uri.toString();
    const rest = (this.suggestions.get(key) ?? []).filter((x) => x !== s);
    if (rest.length) this.suggestions.set(key, rest);
    else this.suggestions.delete(key);
    this.decorate(s.uri);
    this.updateContext();
    this.lensChanged.fire();
  }

  private drop(uri: vscode.Uri): void {
    for (const s of this.suggestions.get(uri.toString()) ?? []) s.controller.abort();
    this.suggestions.delete(uri.toString());
    this.updateContext();
  }

  private decorate(uri: vscode.Uri): void {
    const list = this.suggestions.get(uri.toString()) ?? [];
    const ranges = (kind: Kind) =>
      list.flatMap((s) =>
        s.kinds.flatMap((k, i) => (k === kind ? [new vscode.Range(s.start + i, 0, s.start + i, 0)] : [])),
      );
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== uri.toString()) continue;
      editor.setDecorations(removedLine, ranges('removed'));
      editor.setDecorations(addedLine, ranges('added'));
    }
  }

  private redecorateAll(): void {
    for (const key of this.suggestions.keys()) this.decorate(vscode.Uri.parse(key));
  }

  private updateContext(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const showing = !!uri && (this.suggestions.get(uri.toString())?.length ?? 0) > 0;
    void vscode.commands.executeCommand('setContext', 'warmline.suggestionVisible', showing);
  }
}

function inlineDocument(doc: vscode.TextDocument): InlineDocument {
  return {
    path: vscode.workspace.asRelativePath(doc.uri),
    languageId: doc.languageId,
    version: doc.version,
    lineCount: doc.lineCount,
    lineAt: (i) => doc.lineAt(i).text,
  };
}
