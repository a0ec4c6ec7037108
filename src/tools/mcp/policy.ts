// Which MCP calls need no approval, and which servers may start. `warmline.mcp.autoApprove` maps a
// server name to `true` (all its tools) or to a list of its tool names (the server's own names,
// not the `<server>__<tool>` function names). Anything else asks.
import type { McpServerConfig } from './config.ts';

export type McpAutoApprove = Record<string, boolean | string[]>;

/** True when the policy allows this call without asking. */
export function mcpAllowed(policy: McpAutoApprove, server: string, tool: string): boolean {
  const entry = policy[server];
  if (entry === true) return true;
  return Array.isArray(entry) && entry.includes(tool);
}

/** The policy with one more tool (or, with no tool, the whole server) allowed. */
export function allowInPolicy(policy: McpAutoApprove, server: string, tool?: string): McpAutoApprove {
  const entry = policy[server];
  if (tool === undefined || entry === true) return { ...policy, [server]: true };
  const tools = Array.isArray(entry) ? entry : [];
  return { ...policy, [server]: tools.includes(tool) ? tools : [...tools, tool] };
}

/** Keeps only well-formed entries of a setting's value. */
export function readAutoApprove(value: unknown): McpAutoApprove {
  const out: McpAutoApprove = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((t): t is string => typeof t === 'string');
  }
  return out;
}

/**
 * Why a server may not start now, or undefined when it may: a restricted (untrusted) workspace
 * starts no server the workspace defined (its settings or its .vscode/mcp.json).
 */
export function startRefusal(server: McpServerConfig, trusted: boolean): string | undefined {
  if (server.error) return server.error;
  if (!trusted && server.scope === 'workspace')
    return `MCP server '${server.name}' is defined by this workspace (${server.origin}), which is not trusted: Warmline starts no workspace-defined MCP server in a restricted workspace.`;
  return undefined;
}
