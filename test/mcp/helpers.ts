// Starting the test MCP server (server.ts) for a test: over stdio it is a definition the client
// starts itself; over streamable HTTP it is a child process whose URL is read from its stdout.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

/** server.ts beside this file (a bundled test, whose own directory is elsewhere, passes the path itself). */
export const SERVER_SCRIPT = path.join(import.meta.dirname, 'server.ts');

/** A stdio definition of the test server, as `warmline.mcp.servers` or mcp.json would hold it. */
export function stdioDefinition(env: Record<string, string> = {}, script = SERVER_SCRIPT) {
  return { type: 'stdio', command: process.execPath, args: [script], env };
}

export interface HttpTestServer {
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Starts the test server over streamable HTTP in a child process. */
export function startHttpServer(script = SERVER_SCRIPT): Promise<HttpTestServer> {
  const child = spawn(process.execPath, [script, '--http'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('exit', (code) => reject(new Error(`the HTTP test MCP server exited (${code}): ${err}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\S+)/.exec(out);
      if (m)
        resolve({
          url: m[1]!,
          process: child,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill();
            }),
        });
    });
  });
}
