// Builds the chat webview exactly as esbuild.js does (same entry points, options and output
// files in dist/), without the extension host bundle: the browser tests and the benchmark then
// do not depend on the state of the host code. `WARMLINE_WEBVIEW_NO_BUILD=1` uses dist/ as is.
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

export const repoRoot: string = path.resolve(import.meta.dirname, '../..');
export const distDir: string = path.join(repoRoot, 'dist');

export const webviewBuildOptions: esbuild.BuildOptions = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  sourcemap: true,
  minify: false,
  logLevel: 'warning',
  entryPoints: { webview: 'src/webview/main.ts', 'webview-style': 'src/webview/style.css' },
  outdir: 'dist',
  loader: { '.ttf': 'file' },
  absWorkingDir: repoRoot,
};

let built: Promise<void> | undefined;

export function buildWebview(): Promise<void> {
  built ??= (async () => {
    if (!process.env.WARMLINE_WEBVIEW_NO_BUILD) await esbuild.build(webviewBuildOptions);
    const codicons = path.join(distDir, 'codicons');
    fs.mkdirSync(codicons, { recursive: true });
    for (const f of ['codicon.css', 'codicon.ttf']) {
      const target = path.join(codicons, f);
      if (!fs.existsSync(target)) fs.copyFileSync(path.join(repoRoot, 'node_modules/@vscode/codicons/dist', f), target);
    }
  })();
  return built;
}
