// A small MCP server for the tests, built with the same SDK as the extension's client. Run it
// with Node 24 directly: `node test/mcp/server.ts` speaks stdio; `node test/mcp/server.ts --http`
// serves streamable HTTP on a free loopback port and prints `listening <url>` on stdout.
// Its tools: echo, progress (streams three progress notifications), fail (isError), big (100 KB
// of text), image, crash (the process exits in the middle of the call), hang (never answers),
// add_tool (adds a tool `added`, which sends notifications/tools/list_changed).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const name = process.env.MCP_TEST_NAME ?? 'warmline-test';

function build(): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text back.', inputSchema: { text: z.string().describe('What to echo') } },
    async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }),
  );
  server.registerTool(
    'progress',
    {
      description: 'Reports three steps of progress, then answers.',
      inputSchema: { burst: z.boolean().optional().describe('Send them and the answer at once, without waiting') },
    },
    async ({ burst }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= 3; i++) {
        if (token !== undefined) {
          const sent = extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: 3, message: `step ${i} of 3` },
          });
          if (!burst) await sent;
        }
      }
      return { content: [{ type: 'text', text: 'all 3 steps done' }] };
    },
  );
  server.registerTool('fail', { description: 'Always reports an error.', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: 'the widget is broken' }],
    isError: true,
  }));
  server.registerTool('big', { description: 'Returns 100 KB of text.', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n') }],
  }));
  server.registerTool('image', { description: 'Returns a small image and some text.', inputSchema: {} }, async () => ({
    content: [
      { type: 'text', text: 'here is the picture' },
      { type: 'image', mimeType: 'image/png', data: Buffer.alloc(3 * 1024).toString('base64') },
    ],
  }));
  server.registerTool('crash', { description: 'Exits the server process mid-call.', inputSchema: {} }, async () => {
    process.stderr.write('fatal: the test server crashes on purpose\n');
    setImmediate(() => process.exit(3));
    return new Promise(() => {});
  });
  server.registerTool('hang', { description: 'Never answers.', inputSchema: {} }, async () => new Promise(() => {}));
  server.registerTool('add_tool', { description: 'Adds the tool `added`.', inputSchema: {} }, async () => {
    server.registerTool('added', { description: 'A tool added at run time.', inputSchema: {} }, async () => ({
      content: [{ type: 'text', text: 'the added tool ran' }],
    }));
    return { content: [{ type: 'text', text: 'added the tool `added`' }] };
  });
  return server;
}

if (process.argv.includes('--http')) {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const httpServer = http.createServer(async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      transport = created;
      await build().connect(created);
    }
    await transport.handleRequest(req, res);
  });
  httpServer.listen(0, '127.0.0.1', () => {
    const address = httpServer.address() as { port: number };
    process.stdout.write(`listening http://127.0.0.1:${address.port}/mcp\n`);
  });
} else {
  await build().connect(new StdioServerTransport());
}
