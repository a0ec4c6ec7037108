// The chat webview's page: a strict Content-Security-Policy, the stylesheets, one script with a
// per-load nonce. Pure (no `vscode` import) so tests serve the very same page from a plain server.
// Nothing inline: no inline script or style, no event-handler attributes; model output can
// therefore never run code even if some markup slipped through the renderer.

export interface ChatHtmlOptions {
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** `webview.cspSource`: the origin the webview's own resources come from. */
  cspSource: string;
  nonce: string;
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function chatCsp(cspSource: string, nonce: string): string {
  return `${[
    "default-src 'none'",
    // Model output never loads images (they could leak data): only our own, and the blob: URLs this
    // page makes for the thumbnails of images the user attached (issue 15).
    `img-src ${cspSource} blob:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ')};`;
}

export function chatHtml(o: ChatHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce))
    throw new Error('chatHtml: the nonce must be at least 16 base64 characters');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(chatCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.codiconsUri)}" nonce="${o.nonce}">
<link rel="stylesheet" href="${attr(o.styleUri)}" nonce="${o.nonce}">
<title>Warmline</title>
</head>
<body>
<div id="app" aria-busy="true"></div>
<script nonce="${o.nonce}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 characters from a CSPRNG (Web Crypto, global in Node and in browsers): ~190 bits. */
export function newNonce(): string {
  let out = '';
  while (out.length < 32) {
    for (const b of crypto.getRandomValues(new Uint8Array(48))) {
      // 62 * 4 = 248: rejecting bytes >= 248 keeps every character equally likely.
      if (b < 248 && out.length < 32) out += ALNUM[b % 62];
    }
  }
  return out;
}
