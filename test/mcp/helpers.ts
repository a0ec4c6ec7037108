// Starting the test MCP server (server.ts) for a test: over stdio it is a definition the client
// starts itself; over streamable HTTP it is a child process whose URL is read from its stdout.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVER_SCRIPT = fileURLToPath(new URL('./server.ts', import.meta.url));

/** A stdio definition of the test server, as `warmline.mcp.servers` or mcp.json would hold it. */
export function stdioDefinition(env: Record<string, string> = {}) {
  return { type: 'stdio', command: process.execPath, args: [SERVER_SCRIPT], env };
}

export interface HttpTestServer {
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Starts the test server over streamable HTTP in a child process. */
export function startHttpServer(): Promise<HttpTestServer> {
  const child = spawn(process.execPath, [SERVER_SCRIPT, '--http'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
