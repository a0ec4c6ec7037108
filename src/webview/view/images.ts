// Images pasted or dropped into the message box (issue 15): read, checked by their bytes and
// size, and shown as thumbnails through blob: URLs (the page's CSP allows blob: images, which only
// this page can make; model output never gets an <img>).
import { checkImage } from '../../shared/images.ts';
import type { ContextChip } from '../../shared/messages.ts';

export type ImageRead = { ok: true; chip: ContextChip } | { ok: false; reason: string };

export async function readImageFile(file: File): Promise<ImageRead> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const check = checkImage(file.name, bytes);
  if (!check.ok) return check;
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const dataUrl = `data:${check.mime};base64,${btoa(bin)}`;
  const label =
    file.name && file.name !== 'image.png' ? file.name : `Pasted image (${Math.ceil(bytes.length / 1024)} KB)`;
  return {
    ok: true,
    chip: { kind: 'image', path: '', label, image: { mime: check.mime, bytes: bytes.length, dataUrl } },
  };
}

const urls = new Map<string, string>();

/** A blob: URL for an image data URL (made once per image); undefined for anything that is not one. */
export function thumbnailUrl(dataUrl: string): string | undefined {
  let url = urls.get(dataUrl);
  if (!url) {
    const m = /^data:(image\/(?:png|jpeg|webp|gif));base64,/.exec(dataUrl);
    if (!m) return undefined;
    let bin: string;
    try {
      bin = atob(dataUrl.slice(m[0].length));
    } catch {
      return undefined;
    }
    const mime = m[1]!;
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    url = URL.createObjectURL(new Blob([bytes], { type: mime }));
    urls.set(dataUrl, url);
  }
  return url;
}

/** The image files of a paste or a drop (files that claim no image type are checked too: the bytes decide). */
export function transferFiles(data: DataTransfer | null): File[] {
  if (!data) return [];
  const files: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file') continue;
    const f = item.getAsFile();
    if (f) files.push(f);
  }
  if (!files.length) files.push(...Array.from(data.files ?? []));
  return files;
}
