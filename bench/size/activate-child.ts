// Times `require(dist/extension.js)` and `activate()` with a fake `vscode` module, in a fresh
// process (so nothing is cached). OUTSIDE VS Code: no extension host, no real API behind the
// calls. Usage: node bench/size/activate-child.ts <extension.js> <workspace root> <storage dir>
// Prints `@@RESULT {"requireMs", "activateMs", "subscriptions"}` or `@@ERROR "<message>"`.
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFakeContext, makeFakeVscode } from './fake-vscode.ts';

interface ModuleInternals {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}
interface Extension {
  activate(context: unknown): unknown;
  deactivate?(): unknown;
}

async function main(): Promise<void> {
  const [extPath, workspaceRoot, storageRoot] = process.argv.slice(2) as [string, string, string];
  const fake = makeFakeVscode(workspaceRoot, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'));
  const internals = Module as unknown as ModuleInternals;
  const load = internals._load;
  internals._load = function (request: string, parent: unknown, isMain: boolean) {
    return request === 'vscode' ? fake : load.call(this, request, parent, isMain);
  };
  const require = createRequire(extPath);
  const context = makeFakeContext(workspaceRoot, storageRoot) as { subscriptions: unknown[] };
  const t0 = performance.now();
  const ext = require(extPath) as Extension;
  const t1 = performance.now();
  const r = ext.activate(context);
  if (r && typeof (r as Promise<unknown>).then === 'function') await r;
  const t2 = performance.now();
  const result = { requireMs: t1 - t0, activateMs: t2 - t1, subscriptions: context.subscriptions.length };
  try {
    await ext.deactivate?.();
  } catch {
    /* not measured */
  }
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stdout.write(`@@ERROR ${JSON.stringify(text)}\n`, () => process.exit(1));
});
