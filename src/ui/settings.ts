import * as vscode from 'vscode';
import type { TransportSetting } from '../session/manager.ts';
import { preset } from '../session/providers.ts';
import type { ProviderPreset } from '../session/providers.ts';
import type { ToolSettings } from '../tools/types.ts';

/** `warmline.*` settings, read fresh each time (they change under us). */
export interface WarmlineSettings {
  provider: string;
  preset: ProviderPreset;
  baseUrl: string;
  model: string;
  transport: TransportSetting;
  organization?: string;
  project?: string;
  extraHeaders: Record<string, string>;
  store: boolean;
  maxToolCalls: number;
  instructions: string;
  /** Tokens; undefined: known per model or learned. */
  contextWindow?: number;
  compression: boolean;
  /** Stage the active file on the inline lane while the editor sits still (warmline.inline.prewarm). */
  inlinePrewarm: boolean;
  tools: ToolSettings;
  /** Project rules (issue 15): the optional files to read besides AGENTS.md, and the user's own file ('' for none). */
  rules: { include: string[]; userFile: string };
  /** VS Code's own proxy settings: `http.proxy` (empty: the environment's) and `http.proxyStrictSSL`. */
  proxy: { url?: string; strictSSL: boolean };
}

export function readSettings(): WarmlineSettings {
  const c = vscode.workspace.getConfiguration('warmline');
  const headers = c.get<Record<string, unknown>>('extraHeaders') ?? {};
  const provider = c.get<string>('provider') || 'openai';
  const p = preset(provider);
  // A value the user set wins over the provider's default; package.json defaults do not count.
  const explicit = <T>(key: string): T | undefined => {
    const i = c.inspect<T>(key);
    return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  };
  return {
    provider,
    preset: p,
    baseUrl: (explicit<string>('baseUrl') || p.baseUrl).trim(),
    model: explicit<string>('model') || p.model,
    transport: explicit<TransportSetting>('transport') ?? p.transport,
    organization: c.get<string>('organization') || undefined,
    project: c.get<string>('project') || undefined,
    extraHeaders: Object.fromEntries(Object.entries(headers).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >,
    store: explicit<boolean>('store') ?? p.storeOverHttp,
    maxToolCalls: c.get<number>('maxToolCalls') ?? 50,
    instructions: c.get<string>('instructions') ?? '',
    contextWindow: (c.get<number>('contextWindow') ?? 0) > 0 ? c.get<number>('contextWindow') : undefined,
    compression: c.get<boolean>('compression') ?? true,
    inlinePrewarm: c.get<boolean>('inline.prewarm') ?? true,
    rules: { include: c.get<string[]>('rules.include') ?? [], userFile: c.get<string>('rules.userFile') ?? '' },
    proxy: {
      url: vscode.workspace.getConfiguration('http').get<string>('proxy') || undefined,
      strictSSL: vscode.workspace.getConfiguration('http').get<boolean>('proxyStrictSSL') ?? true,
    },
    tools: {
      edits: c.get<'ask' | 'auto'>('approvals.edits') ?? 'ask',
      tasks: c.get<'ask' | 'auto' | 'off'>('approvals.tasks') ?? 'ask',
      shell: { enabled: c.get<boolean>('shell.enabled') ?? false, allow: c.get<string[]>('shell.allow') ?? [] },
      secretPatterns: c.get<string[]>('secretPatterns') ?? [],
      maxOutputBytes: 24 * 1024,
      maxReadBytes: 1024 * 1024,
      maxListEntries: 500,
      maxGrepMatches: 200,
      taskTimeoutMs: (c.get<number>('taskTimeoutSeconds') ?? 600) * 1000,
    },
  };
}

/** Local servers (loopback, or a provider that takes none) need no key; anything else does. */
export function needsApiKey(baseUrl: string, p: ProviderPreset = preset('openai')): boolean {
  if (!p.needsKey) return false;
  try {
    const host = new URL(baseUrl).hostname;
    return !(host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host));
  } catch {
    return true;
  }
}
