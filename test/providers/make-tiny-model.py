"""Makes a tiny GGUF model with random weights for protocol tests against a real llama-server.

    PYTHONPATH=SRC/gguf-py python3 make-tiny-model.py SRC OUT.gguf

SRC is the llama.cpp source tree (cloned by .ci/llama-server from node-llama-cpp's git bundle);
it provides the `gguf` package, the Qwen2 tokenizer (models/ggml-vocab-qwen2.gguf, a vocab-only
file) and the Qwen2.5 Instruct chat template, which knows tools. Needs numpy.

The weights are random (a fixed seed, so the file is the same every time): whatever the model
writes is gibberish, but the server around it (chat template, tool-call parsing, the Responses
API) is the real one. The vocab file has only placeholders where Qwen2.5 has `<tool_call>` and
`</tool_call>`; they get their text back, so a tool call can be produced by biasing their logits.
"""
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter

TOOL_CALL_TOKENS = {151657: "<tool_call>", 151658: "</tool_call>"}
USER_DEFINED = 4  # gguf TokenType.USER_DEFINED: text a tokenizer matches as one piece, not a control token

# Qwen2 with almost nothing inside: 2 layers, 64 wide, grouped-query attention 4:2.
LAYERS, WIDTH, HEADS, KV_HEADS, FFN, CONTEXT = 2, 64, 4, 2, 128, 4096
ARCH = "qwen2"


def field_value(reader, key):
    return reader.fields[key].contents()


def copy_tokenizer(reader, writer):
    """Every tokenizer.ggml.* key of the vocab file, as typed there; the two tool-call tokens restored."""
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer.ggml."):
            continue
        value = field.contents()
        if key == "tokenizer.ggml.tokens":
            value = list(value)
            for token_id, text in TOOL_CALL_TOKENS.items():
                value[token_id] = text
        elif key == "tokenizer.ggml.token_type":
            value = list(value)
            for token_id in TOOL_CALL_TOKENS:
                value[token_id] = USER_DEFINED
        main_type = field.types[0]
        sub_type = field.types[-1] if main_type == GGUFValueType.ARRAY else None
        writer.add_key_value(key, value, main_type, sub_type)
    return len(field_value(reader, "tokenizer.ggml.tokens"))


def add_weights(writer, vocab):
    rng = np.random.default_rng(18)

    def random(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    kv_width = KV_HEADS * (WIDTH // HEADS)
    # Shapes as numpy sees them (rows = outputs); the embedding doubles as the output layer.
    writer.add_tensor("token_embd.weight", random(vocab, WIDTH).astype(np.float16))
    writer.add_tensor("output_norm.weight", np.ones(WIDTH, dtype=np.float32))
    for layer in range(LAYERS):
        tensors = {
            "attn_norm.weight": np.ones(WIDTH, dtype=np.float32),
            "attn_q.weight": random(WIDTH, WIDTH), "attn_q.bias": random(WIDTH),
            "attn_k.weight": random(kv_width, WIDTH), "attn_k.bias": random(kv_width),
            "attn_v.weight": random(kv_width, WIDTH), "attn_v.bias": random(kv_width),
            "attn_output.weight": random(WIDTH, WIDTH),
            "ffn_norm.weight": np.ones(WIDTH, dtype=np.float32),
            "ffn_gate.weight": random(FFN, WIDTH),
            "ffn_up.weight": random(FFN, WIDTH),
            "ffn_down.weight": random(WIDTH, FFN),
        }
        for name, tensor in tensors.items():
            writer.add_tensor(f"blk.{layer}.{name}", tensor)


def main(src, out):
    vocab_file = GGUFReader(f"{src}/models/ggml-vocab-qwen2.gguf")
    with open(f"{src}/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja", encoding="utf-8") as f:
        template = f.read()

    writer = GGUFWriter(out, ARCH)
    writer.add_name("warmline-tiny-random-qwen2")
    writer.add_block_count(LAYERS)
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(WIDTH)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_file_type(1)  # mostly F16
    vocab = copy_tokenizer(vocab_file, writer)
    writer.add_add_bos_token(False)
    writer.add_chat_template(template)
    add_weights(writer, vocab)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {out}: {ARCH}, {LAYERS} layers x {WIDTH}, vocab {vocab}, random weights")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
