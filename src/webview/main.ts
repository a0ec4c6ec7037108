// Entry of the chat webview bundle (dist/webview.js), loaded by the page src/ui/chat-html.ts builds.
import { startApp } from './app.ts';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
startApp({ api: acquireVsCodeApi(), root });
