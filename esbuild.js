// Builds the extension host bundle (dist/extension.js, CommonJS, `vscode` external) and the
// integration-test bundle that runs inside the real VS Code (out/test/integration/*.js).
// `node esbuild.js --watch` rebuilds on change; `--production` minifies and leaves tests out.
// A production build (what `npm run package` packages) starts from an empty dist/, so no source
// map or stale bundle of an earlier development build stays beside it, and it makes sure out/
// exists: vsce writes out/warmline.vsix there and does not create the folder.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Code that finds files beside itself (the grep worker) uses import.meta.dirname; in a CommonJS bundle that is __dirname.
  define: { 'import.meta.dirname': '__dirname' },
};

function entries(dir, pattern) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => pattern.test(f))
    .map((f) => path.join(dir, f));
}

/** The package is ESM ("type": "module"); the bundles VS Code loads are CommonJS. */
function markCommonJs(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
}

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  // grep's worker thread (it runs the model's regular expressions where they can be stopped).
  { ...common, entryPoints: ['src/tools/grep-worker.ts'], outfile: 'dist/grep-worker.js' },
  // The chat webview: its own browser bundle (and its stylesheet), loaded under a strict CSP.
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { webview: 'src/webview/main.ts', 'webview-style': 'src/webview/style.css' },
    outdir: 'dist',
    loader: { '.ttf': 'file' },
  },
];
if (production) {
  fs.rmSync('dist', { recursive: true, force: true });
  fs.mkdirSync('out', { recursive: true });
}
markCommonJs('dist');
// Codicons for the webview (the font and its stylesheet, as the package ships them).
fs.mkdirSync('dist/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf'])
  fs.copyFileSync(path.join('node_modules/@vscode/codicons/dist', f), path.join('dist/codicons', f));
// The suite entry, its helpers and the tests; not run-electron.ts, which runs outside VS Code.
const integration = entries('test/integration', /^(?!run-electron).*\.ts$/);
if (integration.length && !production) {
  fs.rmSync('out/test/integration', { recursive: true, force: true }); // a deleted test must not keep running
  builds.push({
    ...common,
    entryPoints: integration,
    outdir: 'out/test/integration',
    outbase: 'test/integration',
    external: [...common.external, 'mocha'],
  });
  markCommonJs('out');
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
