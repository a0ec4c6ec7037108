// Images in the chat (issue 15): which files are taken, recognised by their first bytes (the name
// and the mime type a paste claims are not trusted), and their limits. Used by the webview when
// an image is pasted or dropped, and by the host again when a message arrives with one.
import type { ImageMime } from './messages.ts';

/** Per image. */
export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** Per message. */
export const IMAGE_MAX_COUNT = 4;

export const IMAGE_EXTENSIONS: Record<ImageMime, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/** The format by its magic bytes: PNG, JPEG, WebP (RIFF....WEBP), GIF87a/89a; undefined for anything else. */
export function sniffImage(b: Uint8Array): ImageMime | undefined {
  const at = (i: number, ...bytes: number[]) => bytes.every((x, k) => b[i + k] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  if (at(0, 0x47, 0x49, 0x46, 0x38) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'image/gif';
  return undefined;
}

export type ImageCheck = { ok: true; mime: ImageMime } | { ok: false; reason: string };

/** Whether these bytes may be sent as an image; the reason in words when not. */
export function checkImage(name: string, bytes: Uint8Array): ImageCheck {
  const mime = sniffImage(bytes);
  if (!mime) return { ok: false, reason: `${name || 'That file'} is not a PNG, JPEG, WebP or GIF image.` };
  if (bytes.length > IMAGE_MAX_BYTES)
    return {
      ok: false,
      reason: `${name || 'That image'} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; images can be up to ${IMAGE_MAX_BYTES / 1024 / 1024} MB.`,
    };
  return { ok: true, mime };
}

const DATA_URL = /^data:(image\/(?:png|jpeg|webp|gif));base64,([A-Za-z0-9+/]*={0,2})$/;

/** The bytes of an image data URL, checked (format by bytes, matching the declared mime, size); undefined if not acceptable. */
export function decodeImageDataUrl(url: string): { mime: ImageMime; bytes: Uint8Array } | undefined {
  // Base64 of the limit plus the header: anything longer is refused before decoding.
  if (url.length > Math.ceil(IMAGE_MAX_BYTES / 3) * 4 + 40) return undefined;
  const m = DATA_URL.exec(url);
  if (!m) return undefined;
  const bytes = base64Bytes(m[2]!);
  const check = checkImage('', bytes);
  return check.ok && check.mime === m[1] ? { mime: check.mime, bytes } : undefined;
}

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
