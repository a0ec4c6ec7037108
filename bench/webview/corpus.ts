// Deterministic model-like output for the benchmark: paragraphs with inline code and links,
// lists, headings and TypeScript code blocks, cut into ~4-character deltas (about a token).
import type { HostMessage } from '../../src/shared/messages.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS =
  'the session keeps one socket open and sends only the new items each turn so the request stays small while the model streams its answer back in small pieces that the view renders as they arrive'.split(
    ' ',
  );

function sentence(r: () => number): string {
  const n = 8 + Math.floor(r() * 12);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)] as string);
  if (r() < 0.3) words[Math.floor(r() * n)] = '`previousResponseId`';
  if (r() < 0.15) words[Math.floor(r() * n)] = '[the docs](https://example.com/docs)';
  if (r() < 0.2) words[Math.floor(r() * n)] = '**important**';
  const s = words.join(' ');
  return `${s[0]?.toUpperCase()}${s.slice(1)}.`;
}

function codeBlock(r: () => number, k: number): string {
  const lines = 6 + Math.floor(r() * 14);
  const body = Array.from({ length: lines }, (_, i) =>
    i % 4 === 0
      ? `  const value${i} = await session.send({ input: items[${i}], store: false });`
      : i % 4 === 1
        ? `  if (!value${i - 1}.ok) throw new Error('turn ${k} failed at ${i}');`
        : i % 4 === 2
          ? `  // keep the socket warm between turns (${i})`
          : `  total += value${i - 3}.usage?.outputTokens ?? 0;`,
  ).join('\n');
  return `\`\`\`ts\nexport async function step${k}(session: Session, items: Item[]): Promise<number> {\n  let total = 0;\n${body}\n  return total;\n}\n\`\`\``;
}

/** About `chars` characters of markdown. */
export function answer(seed: number, chars: number): string {
  const r = rng(seed);
  const blocks: string[] = [];
  let size = 0;
  let k = 0;
  while (size < chars) {
    const kind = r();
    let block: string;
    if (kind < 0.45) block = Array.from({ length: 2 + Math.floor(r() * 3) }, () => sentence(r)).join(' ');
    else if (kind < 0.65) block = Array.from({ length: 3 + Math.floor(r() * 3) }, () => `- ${sentence(r)}`).join('\n');
    else if (kind < 0.72) block = `### Step ${++k}`;
    else block = codeBlock(r, ++k);
    blocks.push(block);
    size += block.length + 2;
  }
  return blocks.join('\n\n');
}

export function split(text: string, deltaChars = 4): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += deltaChars) out.push(text.slice(i, i + deltaChars));
  return out;
}

/** `turns` turns of `deltasPerTurn` deltas each, as the host sends them. */
export function streamedTurns(turns: number, deltasPerTurn: number, seed = 1): HostMessage[] {
  const out: HostMessage[] = [
    { type: 'chat.load', payload: { chatId: 'bench', title: 'bench', entries: [], busy: false } },
  ];
  for (let t = 0; t < turns; t++) {
    const id = `a${t}`;
    const pieces = split(answer(seed + t, deltasPerTurn * 4), 4).slice(0, deltasPerTurn);
    out.push({
      type: 'user.message',
      payload: { entry: { kind: 'user', id: `u${t}`, text: `Question ${t}`, context: [] } },
    });
    out.push({ type: 'assistant.start', payload: { id } });
    for (const delta of pieces) out.push({ type: 'text.delta', payload: { id, delta } });
    out.push({
      type: 'assistant.end',
      payload: { id, figures: { totalMs: 1000, savedBytes: 2048, transport: 'websocket' } },
    });
  }
  return out;
}

/** One turn that writes a whole file: a `lines`-line TypeScript block between two sentences. */
export function codeFileTurn(lines: number, id = 'f0'): HostMessage[] {
  const body = Array.from({ length: lines }, (_, i) =>
    i % 3 === 0
      ? `  const value${i} = await session.send({ input: items[${i}], store: false }); // step ${i}`
      : i % 3 === 1
        ? `  if (!value${i - 1}.ok) throw new Error(\`turn \${${i}} failed\`);`
        : `  total += value${i - 2}.usage?.outputTokens ?? 0;`,
  ).join('\n');
  const text = `Here is the whole file:\n\n\`\`\`ts\nexport async function run(session: Session, items: Item[]): Promise<number> {\n  let total = 0;\n${body}\n  return total;\n}\n\`\`\`\n\nThat is the file, from Warmline.`;
  return [
    { type: 'chat.load', payload: { chatId: 'bench', title: 'bench', entries: [], busy: false } },
    { type: 'user.message', payload: { entry: { kind: 'user', id: 'u-file', text: 'Write the file', context: [] } } },
    { type: 'assistant.start', payload: { id } },
    ...split(text, 4).map((delta): HostMessage => ({ type: 'text.delta', payload: { id, delta } })),
    { type: 'assistant.end', payload: { id } },
  ];
}
