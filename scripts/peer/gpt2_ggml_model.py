#!/usr/bin/env python3
"""Writes a GPT-2 124M-shaped model with seeded random weights in the legacy file format of
ggml's examples/gpt-2, so that ggml's CPU kernels (the ones llama.cpp runs) can decode beside
`gptneo bench --model synthetic:125m`. GPT-2 124M and GPT-Neo 125M have the same shape (12
layers, hidden 768, MLP 3072, vocabulary 50,257, tied head), so a step costs both the same
FLOPs and bytes. Weights are N(0, 0.02) and cannot be checked for meaning: this is for speed only.

The layout follows ggml/examples/gpt-2/convert-h5-to-ggml.py; the vocabulary is the GPT-2 BPE
that the tokenizer module ships.

usage: gpt2_ggml_model.py OUT.bin f32|f16
"""
import gzip
import json
import struct
import sys
from pathlib import Path

import numpy as np

N_VOCAB, N_CTX, N_EMBD, N_HEAD, N_LAYER = 50257, 2048, 768, 12, 12
VOCAB = Path(__file__).resolve().parents[2] / "tokenizer/src/main/resources/dev/gptneo/tokenizer/gpt2/vocab.json.gz"


def byte_of_char():
    """GPT-2's vocab.json spells each byte as a printable character; this maps them back."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table = {chr(b): b for b in printable}
    table.update({chr(256 + n): b for n, b in enumerate(b for b in range(256) if b not in printable)})
    return table


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("f32", "f16"):
        sys.exit("usage: gpt2_ggml_model.py OUT.bin f32|f16")
    out, f16 = sys.argv[1], sys.argv[2] == "f16"
    chars = byte_of_char()
    vocab = json.loads(gzip.open(VOCAB, "rt", encoding="utf-8").read())
    rng = np.random.default_rng(125)

    with open(out, "wb") as f:
        f.write(struct.pack("7i", 0x67676D6C, N_VOCAB, N_CTX, N_EMBD, N_HEAD, N_LAYER, 1 if f16 else 0))
        f.write(struct.pack("i", N_VOCAB))
        for token, _ in sorted(vocab.items(), key=lambda kv: kv[1]):
            text = bytes(chars[c] for c in token)
            f.write(struct.pack("i", len(text)))
            f.write(text)

        def tensor(name, shape, kind):
            if kind == "gain":
                data = np.ones(shape, np.float32)
            elif kind == "bias":
                data = np.zeros(shape, np.float32)
            else:
                data = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
            half = kind == "matrix" and f16
            if half:
                data = data.astype(np.float16)
            encoded = name.encode()
            f.write(struct.pack("3i", len(shape), len(encoded), 1 if half else 0))
            for dim in reversed(shape):  # ggml lists the fastest-moving dimension first
                f.write(struct.pack("i", dim))
            f.write(encoded)
            data.tofile(f)

        tensor("model/ln_f/g", (N_EMBD,), "gain")
        tensor("model/ln_f/b", (N_EMBD,), "bias")
        tensor("model/wte", (N_VOCAB, N_EMBD), "matrix")  # no model/lm_head: the head is tied
        tensor("model/wpe", (N_CTX, N_EMBD), "positions")
        for i in range(N_LAYER):
            h = f"model/h{i}/"
            tensor(h + "ln_1/g", (N_EMBD,), "gain")
            tensor(h + "ln_1/b", (N_EMBD,), "bias")
            tensor(h + "attn/c_attn/w", (3 * N_EMBD, N_EMBD), "matrix")
            tensor(h + "attn/c_attn/b", (3 * N_EMBD,), "bias")
            tensor(h + "attn/c_proj/w", (N_EMBD, N_EMBD), "matrix")
            tensor(h + "attn/c_proj/b", (N_EMBD,), "bias")
            tensor(h + "ln_2/g", (N_EMBD,), "gain")
            tensor(h + "ln_2/b", (N_EMBD,), "bias")
            tensor(h + "mlp/c_fc/w", (4 * N_EMBD, N_EMBD), "matrix")
            tensor(h + "mlp/c_fc/b", (4 * N_EMBD,), "bias")
            tensor(h + "mlp/c_proj/w", (N_EMBD, 4 * N_EMBD), "matrix")
            tensor(h + "mlp/c_proj/b", (N_EMBD,), "bias")


if __name__ == "__main__":
    main()
