// The one message protocol between the extension host and the chat webview. Both bundles
// import this file: a message name or payload that does not match is a compile error.
// The host sends deltas (a text chunk, a tool's progress), never the whole conversation,
// except `chat.load` when a chat is opened.
import type { SessionState } from '../session/manager.ts';

/** The session's state as the header shows it: the session's own type (a type import only: nothing of the session is bundled). */
export type ConnectionState = SessionState;

export interface ContextChip {
  /** `folder`, `problems`, `terminal`, `git`, `image`: issue 15's mentions and images (MentionKind, ImageRef below). */
  kind: 'file' | 'selection' | MentionKind | 'image';
  /** Workspace-relative path ('' for the kinds that name no file: problems, terminal, git, image). */
  path: string;
  /** 1-based inclusive line range, for selections. */
  range?: { start: number; end: number };
  label: string;
  /** The picture, for `image`. */
  image?: ImageRef;
}

export interface TurnFigures {
  /** ms from send to the first text delta. */
  ttftMs?: number;
  totalMs: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens the server's prompt cache served. */
  cachedTokens?: number;
  /** Request bytes the socket did not resend, compared with resending the whole history. */
  savedBytes: number;
  transport: 'websocket' | 'http';
}

export type ToolStatus = 'running' | 'awaiting_approval' | 'done' | 'error' | 'rejected' | 'cancelled';

export interface DiffHunkView {
  /** Lines prefixed with ' ', '-' or '+'. */
  lines: string[];
  oldStart: number;
  newStart: number;
}

export interface FileDiffView {
  path: string;
  kind: 'add' | 'update' | 'delete';
  moveTo?: string;
  hunks: DiffHunkView[];
  added: number;
  removed: number;
}

/**
 * One file of a patch the model is still writing (apply_patch's input as it streams): what is
 * known so far. Bounded by the host: the latest lines only, `omitted` saying how many earlier
 * ones are left out.
 */
export interface PatchPreviewFile {
  path: string;
  kind: 'add' | 'update' | 'delete';
  moveTo?: string;
  added: number;
  removed: number;
  /** Diff lines prefixed with ' ', '-' or '+'; a line starting with '@' opens a hunk (the text after it is its `@@` context). */
  lines: string[];
  /** Lines of this file left out before `lines`. */
  omitted: number;
}

export interface PatchPreview {
  /** The latest files (a bounded number). */
  files: PatchPreviewFile[];
  /** Files left out before `files`. */
  filesOmitted: number;
}

export interface ToolCardView {
  id: string;
  name: string;
  /** Arguments in short: "src/a.ts:10-40", "/foo/ in *.ts", "task build". */
  summary: string;
  status: ToolStatus;
  /** Output as streamed so far (the webview collapses long output, keeping head and tail). */
  output: string;
  /** Result line: "12 matches", "exit 0", the error. */
  result?: string;
  diff?: FileDiffView[];
  /** `mcp`: an MCP tool call (`command` holds its arguments as JSON); the card also offers "always allow". */
  approval?: { kind: 'edit' | 'task' | 'shell' | 'mcp'; title: string; command?: string };
}

/** Where the conversation was compacted to fit the model's window (the chat still shows everything). */
export interface CompactionView {
  how: 'server' | 'endpoint' | 'local';
  reason: 'auto' | 'overflow' | 'manual';
  tokensBefore: number;
  tokensAfter: number;
}

/** A restore of the workspace (checkpoints), or its undo: a marker in the chat. */
export interface RestoreView {
  /** The restore's id: "Undo restore" names it. */
  restoreId: string;
  action: 'restored' | 'undone';
  /** The user message (0-based turn) the workspace went back to. */
  turn: number;
  files: number;
  /** The conversation was cut there too. */
  conversation: boolean;
}

/** What a restore (or its undo) would change, shown before anything is written. */
export interface RestorePlanView {
  turn: number;
  /** Set for "Undo restore": the restore it undoes. */
  undo?: string;
  diff: FileDiffView[];
  /** Files changed by hand since Warmline last wrote them: named before they are overwritten. */
  handChanged: string[];
  /** Why there is nothing to restore, or why it failed (nothing was written). */
  error?: string;
}

export type ChatEntryView =
  /** `turn`: the message's number in the chat (0-based), for "Restore workspace to here". */
  | { kind: 'user'; id: string; text: string; context: ContextChip[]; turn?: number }
  | ({ kind: 'compacted'; id: string } & CompactionView)
  | ({ kind: 'restored'; id: string } & RestoreView)
  | {
      kind: 'assistant';
      id: string;
      text: string;
      tools: ToolCardView[];
      error?: ErrorView;
      figures?: TurnFigures;
      done: boolean;
    };

// ---- rules (issue 15) ----
/** One project rules file as the header's Rules chip lists it (the paths are workspace text: shown as text). */
export interface RulesFileView {
  path: string;
  scope: 'user' | 'workspace';
  bytes: number;
  /** Cut to the per-file or the total limit. */
  truncated?: boolean;
  /** Why it is not in effect (refused by the workspace guard, not text, over the total limit). */
  refused?: string;
}
// ---- modes and slash commands (issue 15) ----
/** What the model may do in a chat: Ask and Plan offer read-only tools only; Plan asks for a checklist. */
export type ChatMode = 'ask' | 'plan' | 'agent';

/** A slash command from a prompt file of the workspace (`.github/prompts/*.prompt.md`, `.warmline/prompts/*.md`). */
export interface PromptCommand {
  /** The command without its slash: the file name without `.prompt.md` / `.md`. */
  name: string;
  description?: string;
  /** The text the command puts in the message box (front matter stripped). */
  body: string;
  /** Where it comes from (workspace-relative), for the list's tooltip. */
  path: string;
}
// ---- mentions and images (issue 15) ----
/** `@folder` (a bounded listing), `@problems` (diagnostics), `@terminal` (the last command's output), `@git` (the working tree's diff). */
export type MentionKind = 'folder' | 'problems' | 'terminal' | 'git';
/** The image formats sent as `input_image` (recognised by their bytes, not the name or mime). */
export type ImageMime = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
/**
 * An image chip's picture. The webview sends `dataUrl`; the chat file keeps only `sha256` (the
 * bytes are stored beside the chat) and the host fills `dataUrl` in again when it loads the chat.
 */
export interface ImageRef {
  mime: ImageMime;
  /** Size of the image in bytes. */
  bytes: number;
  /** `data:<mime>;base64,...` */
  dataUrl?: string;
  sha256?: string;
}
// ---- queue and reload (issue 15) ----
/** A message sent while a turn ran: it waits to be sent (with the context it was sent with). */
export interface QueuedMessageView {
  id: string;
  text: string;
  context: ContextChip[];
}

export type ErrorAction = 'setKey' | 'retry' | 'openSettings' | 'showLog' | 'compact' | 'newChat';

export interface ErrorView {
  code: string;
  message: string;
  actions: ErrorAction[];
}

export interface ChatSummary {
  id: string;
  title: string;
  updatedAt: number;
}

/** Host -> webview. */
export interface HostMessages {
  /** Connection state for the header line. */
  'state': {
    state: ConnectionState;
    detail?: string;
    model: string;
    transport: 'websocket' | 'http';
    scripted?: boolean;
  };
  /** A chat opened (or the view reloaded): the whole chat once. */
  'chat.load': { chatId: string; title: string; entries: ChatEntryView[]; busy: boolean };
  'user.message': { entry: Extract<ChatEntryView, { kind: 'user' }> };
  'assistant.start': { id: string };
  'text.delta': { id: string; delta: string };
  /** The turn is being retried after a lost connection: drop this message's partial text. */
  'text.reset': { id: string };
  'tool.start': { messageId: string; tool: ToolCardView };
  'tool.progress': { id: string; chunk: string };
  /**
   * A patch as the model writes it, before the call is complete: the card for the call (created
   * by the first one) shows it until `tool.start` for the same id replaces it with the normal
   * card. A card that never got its `tool.start` goes at `text.reset` and `assistant.end`.
   * Each one is the whole preview so far (the host sends at most about one a frame).
   */
  'tool.preview': { messageId: string; id: string; name: string; preview: PatchPreview };
  'tool.update': {
    id: string;
    status: ToolStatus;
    result?: string;
    diff?: FileDiffView[];
    approval?: ToolCardView['approval'];
  };
  'assistant.end': { id: string; figures?: TurnFigures; error?: ErrorView };
  'history': { chats: ChatSummary[]; activeId: string };
  'context': { chips: ContextChip[] };
  /** Put text into the message box (e.g. "Explain the selection" from a command). */
  'compose': { text: string; send: boolean };
  /** How full the model's context window is, for the meter in the header (tokens). */
  'usage': { used: number; window: number };
  /** The conversation was compacted: a marker where it happened. */
  'compacted': { entry: Extract<ChatEntryView, { kind: 'compacted' }> };
  /** Checkpoints: the turns whose user message offers a restore, and the restore "Undo restore" would undo. */
  'checkpoints': { turns: number[]; undoable?: string };
  /** The diff and the files changed by hand, for the user to confirm (or the error: nothing was written). */
  'checkpoint.plan': RestorePlanView;
  /** A restore or its undo happened: a marker in the chat. */
  'checkpoint.done': { entry: Extract<ChatEntryView, { kind: 'restored' }> };
  // ---- rules (issue 15) ----
  /** The project rules files for the open chat, in order (general first), for the header's chip. */
  'rules': { files: RulesFileView[] };
  // ---- modes and slash commands (issue 15) ----
  /** The open chat's mode (after chat.load, and after a switch). */
  'mode': { mode: ChatMode };
  // ---- mentions and images (issue 15) ----
  /** The server or model refused the turn's images: they were left out and the text sent (a note in the reply). */
  'images.refused': { id: string; message: string };
  // ---- queue and reload (issue 15) ----
  /** The messages waiting, in sending order; `held`: a turn failed or was stopped, they wait for the user. */
  'queue': { items: QueuedMessageView[]; held: boolean };
}

/** Webview -> host. */
export interface WebviewMessages {
  'ready': Record<string, never>;
  'send': { text: string; context: ContextChip[] };
  'stop': Record<string, never>;
  'chat.new': Record<string, never>;
  'chat.open': { chatId: string };
  /** `always` (an MCP call approved): allow this tool, or the whole server, from now on. */
  'approval': { toolId: string; approved: boolean; always?: 'tool' | 'server' };
  'diff.open': { toolId: string };
  'code.copy': { text: string };
  'code.insert': { text: string };
  'context.attach': { what: 'selection' | 'file' };
  'context.remove': { index: number };
  'error.action': { action: ErrorAction };
  /** A link the user clicked in model output: the host asks before opening http(s) only. */
  'link.open': { href: string };
  /** `/compact`, or the error's "Compact Conversation". */
  'chat.compact': Record<string, never>;
  /** "Restore workspace to here" on a user message, or "Undo restore": ask for the plan. */
  'checkpoint.preview': { turn: number } | { undo: string };
  /** The user confirmed the plan. */
  'checkpoint.apply': { turn: number; conversation: boolean } | { undo: string };
  // ---- rules (issue 15) ----
  /** Open a rules file the chip lists (the host opens only a path of its current list). */
  'rules.open': { path: string };
  // ---- modes and slash commands (issue 15) ----
  /** The mode switch, `/ask`, `/plan`, `/agent`, "Run plan": the open (or next new) chat's mode. */
  'mode.set': { mode: ChatMode };
  /** `/explain`, `/fix`, `/tests`: the command-palette action on the editor's selection, with the user's text. */
  'slash.run': { command: 'explain' | 'fix' | 'tests'; text: string };
  // ---- mentions and images (issue 15) ----
  // ---- queue and reload (issue 15) ----
  'queue.edit': { id: string; text: string };
  'queue.remove': { id: string };
  /** Send this one next: the running turn stops at its next safe point (or now, when idle). */
  'queue.sendNow': { id: string };
}

/** Webview -> host requests that expect an answer. */
export interface WebviewRequests {
  'files.query': [{ query: string }, { files: string[] }];
  // ---- rules (issue 15) ----
  // ---- modes and slash commands (issue 15) ----
  /** The workspace's prompt files as slash commands (read when the list opens). */
  'prompts.list': [Record<string, never>, { prompts: PromptCommand[] }];
  // ---- mentions and images (issue 15) ----
  /** `@` in the message box: workspace folders whose path contains the query. */
  'folders.query': [{ query: string }, { folders: string[] }];
  // ---- queue and reload (issue 15) ----
}

export type Message<M> = { [K in keyof M]: { type: K; payload: M[K] } }[keyof M];
export type HostMessage = Message<HostMessages>;
export type WebviewMessage =
  | Message<WebviewMessages>
  | {
      [K in keyof WebviewRequests]: { type: 'request'; name: K; requestId: number; payload: WebviewRequests[K][0] };
    }[keyof WebviewRequests];
export type HostReply = {
  [K in keyof WebviewRequests]: { type: 'reply'; name: K; requestId: number; payload: WebviewRequests[K][1] };
}[keyof WebviewRequests];
