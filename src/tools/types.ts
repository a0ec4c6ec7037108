// The contract between the agent loop and the workspace tools. Tools are pure logic over a
// `WorkspaceHost`, and reach files only through its URI-based file system (`host.fs`, the port in
// workspace-fs.ts): the VS Code adapter (src/tools/vscode-host.ts) implements it with the editor's
// APIs, src/tools/node-host.ts over plain folders (tests, the terminal demo, benchmarks), and
// src/tools/memory-host.ts in memory (unit tests, a virtual workspace's model).
import type { ToolDefinition } from '../session/protocol.ts';
import type { WorkspaceFs } from './workspace-fs.ts';

/** An error the model should read: a clear sentence, and a code for tests and logs. */
export class ToolError extends Error {
  readonly code: ToolErrorCode;
  constructor(code: ToolErrorCode, message: string) {
    super(message);
    this.name = 'ToolError';
    this.code = code;
  }
}

export type ToolErrorCode =
  | 'invalid_arguments'
  | 'outside_workspace'
  | 'not_found'
  | 'ignored'
  | 'secret'
  | 'binary'
  | 'too_large'
  | 'invalid_regex'
  | 'patch_failed'
  | 'no_match'
  | 'ambiguous_match'
  | 'rejected'
  | 'not_allowed'
  | 'untrusted'
  | 'unknown_task'
  | 'timeout'
  | 'cancelled'
  | 'failed'
  | 'read_only';

export type ApprovalSetting = 'ask' | 'auto';
export type TaskApprovalSetting = 'ask' | 'auto' | 'off';

export interface ToolSettings {
  edits: ApprovalSetting;
  tasks: TaskApprovalSetting;
  /** Shell commands are off unless enabled; `allow` lists command prefixes that need no approval. */
  shell: { enabled: boolean; allow: string[] };
  /** Extra glob patterns (gitignore syntax) for files never read or sent. */
  secretPatterns: string[];
  maxOutputBytes: number; // a tool result sent to the model, after head/tail cutting (default 24 KiB)
  maxReadBytes: number; // a file read_file will open (default 1 MiB)
  maxListEntries: number; // list_files (default 500)
  maxGrepMatches: number; // grep (default 200)
  taskTimeoutMs: number; // run_task (default 10 minutes)
}

/**
 * One file change, computed in full before anything is written. Texts never include a byte
 * order mark: `bom` says the file has one, and the host keeps it. `uri` and `moveTo` are URIs.
 */
export type FileChange =
  | { kind: 'add'; uri: string; newText: string }
  | { kind: 'update'; uri: string; oldText: string; newText: string; moveTo?: string; bom?: boolean }
  | { kind: 'delete'; uri: string; oldText: string; bom?: boolean };

export interface ApprovalRequest {
  kind: 'edit' | 'task' | 'shell' | 'mcp';
  /** A one-line description for the UI: "Edit 2 files", "Run task build", "Run: npm test". */
  title: string;
  changes?: FileChange[];
  /** The command line, or an MCP call's arguments as JSON text. */
  command?: string;
  /** An MCP call: the server and its tool (the approval card offers "always allow" for them). */
  mcp?: { server: string; tool: string };
}

export interface TaskInfo {
  name: string;
  source: string;
  detail?: string;
  /** Tasks that run first (their names), as tasks.json's dependsOn; in parallel unless dependsOrder is 'sequence'. */
  dependsOn?: string[];
  dependsOrder?: 'parallel' | 'sequence';
  /** False for a task that only runs the tasks it depends on. */
  hasCommand?: boolean;
}

/** The tasks, and what the listing should say about them (detection still running, or failed). */
export interface TaskList {
  tasks: TaskInfo[];
  notes?: string[];
  /** Some tasks may be missing (detection has not finished): resolveTask may still find a name. */
  incomplete?: boolean;
}

/** `path` is the file's URI. */
export interface Diagnostic {
  path: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  source?: string;
}

export interface ProcessResult {
  exitCode: number | null;
  signal?: string | null;
  timedOut: boolean;
  cancelled: boolean;
}

/** What the tools need from the editor. Locations are URIs (uri.ts), inside a workspace folder. */
export interface WorkspaceHost {
  /** Workspace folder roots, as URIs: `file:` ones, and any scheme `fs` serves (virtual folders). */
  roots(): string[];
  /** The workspace's files: the only way the tools read, list or check them. */
  readonly fs: WorkspaceFs;
  /** False in a restricted (untrusted) workspace: no tasks, no edits. */
  isTrusted(): boolean;
  /** The editor's text for a file (URI) open with unsaved changes; undefined when not open or not dirty. */
  openDocumentText(uri: string): string | undefined;
  /**
   * Applies all changes atomically (one WorkspaceEdit: all files or none, undoable). Returns false
   * when the editor refused. A changed file is saved, except one that was open with unsaved
   * changes before (openDocumentText defined): the change goes into its editor and the user's
   * unsaved text is not saved behind their back. A file's BOM and line endings are kept.
   */
  applyChanges(changes: FileChange[]): Promise<boolean>;
  /**
   * The workspace's tasks, quickly: never waits long on VS Code's task discovery (extensions'
   * providers can take minutes): at most `waitMs` (default LIMITS.taskListWaitMs); what is still
   * being detected is said in `notes`. Abortable.
   */
  listTasks(signal: AbortSignal, options?: { waitMs?: number }): Promise<TaskList>;
  /** Optional: looks for one task the listing did not have yet (VS Code: asks only its type's providers, time-limited). */
  resolveTask?(name: string, signal: AbortSignal): Promise<TaskInfo | undefined>;
  /**
   * Runs a task's own command (not its dependsOn: the tool runs those) or a shell command,
   * streaming its output; the process tree dies on timeout or abort. `cwd` is a local path.
   */
  runProcess(
    spec: { task?: string; command?: string; cwd: string },
    onOutput: (chunk: string) => void,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<ProcessResult>;
  /** The diagnostics of one file (URI), or of every file. */
  diagnostics(uri?: string): Diagnostic[];
  /** A ripgrep binary to use, if the editor ships one (VS Code's own copy under appRoot). */
  ripgrepPath(): string | undefined;
  /**
   * Optional: resolves when the language servers have reported on these files after an edit,
   * or after `timeoutMs`, whichever comes first. Hosts without live diagnostics omit it.
   */
  waitForDiagnostics?(uris: string[], timeoutMs: number): Promise<void>;
}

export interface ToolContext {
  host: WorkspaceHost;
  settings: ToolSettings;
  signal: AbortSignal;
  /** Live output for the UI (grep matches, task output). The model gets only the final result. */
  progress(chunk: string): void;
  /** Asks the user; resolves false when rejected. Not called when the settings allow the action. */
  approve(request: ApprovalRequest): Promise<boolean>;
  /**
   * Optional: keeps what the files were before an edit writes them (checkpoints,
   * src/agent/checkpoints.ts). Called by commitChanges once the edit is approved and checked,
   * right before the write; when it throws, nothing is written.
   */
  checkpoint?(changes: FileChange[]): Promise<void>;
}

export interface ToolResult {
  /** What the model reads: bounded by settings.maxOutputBytes (head and tail kept, cut marked). */
  output: string;
  isError?: boolean;
  /** A short line for the tool card: "12 matches in 5 files", "exit 0". */
  summary?: string;
  /** Files (URIs) this call changed, for the UI (diff view) and the diagnostics follow-up. */
  changedFiles?: string[];
}

export interface Tool<Args = unknown> {
  readonly name: string;
  readonly definition: ToolDefinition;
  /** Reads only: may run in parallel with other reads. */
  readonly readOnly: boolean;
  /**
   * A tool of a type some servers do not take (custom): the function tool offered in its place
   * there, and the argument this tool's raw input goes in.
   */
  readonly fallback?: { name: string; argument: string };
  /** Validates the model's raw arguments (a JSON string, or the raw text of a custom tool call). Throws ToolError('invalid_arguments'). */
  parse(raw: string): Args;
  /** A short text for the tool card: "src/a.ts:10-40", "/foo/ in *.ts", "build". */
  describe(args: Args): string;
  run(args: Args, ctx: ToolContext): Promise<ToolResult>;
}
