#!/usr/bin/python3
"""Writes the pytorch_model.bin fixtures with real torch.save (Debian's python3-torch).

Run from the project root with the interpreter python3-torch installs into:

    /usr/bin/python3 testdata/torch/make_torch_fixtures.py

It reads testdata/tiny-gpt-neo-f16/model.safetensors with plain Python (the 8-byte header length,
the JSON header, torch.frombuffer over the data: safetensors' own package is not needed) and
writes, with torch.save's default (zip) serialization:

- testdata/tiny-gpt-neo-f16-torch/pytorch_model.bin: every tensor of that fixture, F16, in an
  OrderedDict as model.state_dict() returns it (with its _metadata attribute), laid out the way loaders get wrong:
  lm_head.weight is the very object transformer.wte.weight is (one storage, saved once); each
  layer's q/k/v weights are row slices of one [3h, h] tensor (storage offsets 0, h*h, 2h*h); the
  layer norms' parameters and the two output biases are slices of one vector; mlp.c_fc.weight is
  a column slice of a wider matrix (row stride h + 8, offset 4) and mlp.c_proj.weight the
  transpose of a contiguous [inter, h] matrix (strides (1, h)), so neither is contiguous. The old
  attn.attention.bias buffers are bool in layers 0 and 4 and uint8 in layer 2 (transformers wrote
  both over the years); masked_bias stays an F32 [1] tensor.
- testdata/tiny-gpt-neo-f16-torch-sharded/: the same weights split in two, the embedding (and
  lm_head, sharing it) in the second shard, with pytorch_model.bin.index.json as transformers
  writes it.
- testdata/torch/*/pytorch_model.bin: files a loader must refuse, each beside a config.json:
  os-system/ (a pickle calling os.system through __reduce__: it would create
  /tmp/gptneo-pickle-payload-ran), builtins-eval/ (eval of the same payload), legacy/ (the
  pre-1.6 format, _use_new_zipfile_serialization=False) and compressed/ (a valid file whose
  entries python's zipfile re-wrote deflated).
- testdata/torch/protocol-4.bin: a state dict pickled with protocol 4: "offset", arange(12)[2:8]
  as [2, 3], and "transposed", arange(12) as [3, 4] transposed (a [4, 3] view, strides (1, 4)).

Every value comes from the safetensors fixture, so the loaded model must give that fixture's
expected.json and logits-*.f32 (made by the float64 reference) exactly as the safetensors does.
"""
import collections
import io
import json
import os
import shutil
import struct
import zipfile

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCE = os.path.join(ROOT, "tiny-gpt-neo-f16")
DTYPES = {"F16": torch.float16, "F32": torch.float32, "U8": torch.uint8}
MARKER = "/tmp/gptneo-pickle-payload-ran"
# Besides the weights, the files the loader reads from a model folder.
FOLDER_FILES = ["config.json", "tokenizer_config.json", "special_tokens_map.json"]


def read_safetensors(path):
    """name -> tensor, in header order, from the file's header and raw little-endian data."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    data = bytearray(raw[8 + header_len:])
    tensors = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        flat = torch.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]) if end > begin else torch.empty(0)
        tensors[name] = flat.reshape(info["shape"]).clone()
    return tensors


def laid_out(source):
    """The state dict, every tensor equal to the source's, sharing storages as described above."""
    out = collections.OrderedDict()
    hidden = source["transformer.wte.weight"].shape[1]
    for name, tensor in source.items():
        if name == "lm_head.weight":
            assert torch.equal(tensor, source["transformer.wte.weight"])
            out[name] = out["transformer.wte.weight"]
        elif name.endswith("attn.attention.bias"):
            layer = int(name.split(".")[2])
            out[name] = tensor.to(torch.uint8 if layer == 2 else torch.bool)
        else:
            out[name] = tensor
    layers = sorted({int(n.split(".")[2]) for n in source if n.startswith("transformer.h.")})
    for i in layers:
        p = "transformer.h.%d." % i
        a = p + "attn.attention."
        qkv = torch.cat([source[a + n + "_proj.weight"] for n in ("q", "k", "v")])
        for j, n in enumerate(("q", "k", "v")):
            out[a + n + "_proj.weight"] = qkv[j * hidden:(j + 1) * hidden]
        vectors = [p + "ln_1.weight", p + "ln_1.bias", p + "ln_2.weight", p + "ln_2.bias",
                   a + "out_proj.bias", p + "mlp.c_proj.bias"]
        packed = torch.cat([source[n] for n in vectors])
        for j, n in enumerate(vectors):
            out[n] = packed[j * hidden:(j + 1) * hidden]
        fc = source[p + "mlp.c_fc.weight"]
        wide = torch.zeros(fc.shape[0], hidden + 8, dtype=fc.dtype)
        wide[:, 4:4 + hidden] = fc
        out[p + "mlp.c_fc.weight"] = wide[:, 4:4 + hidden]
        out[p + "mlp.c_proj.weight"] = source[p + "mlp.c_proj.weight"].t().contiguous().t()
    # What nn.Module.state_dict() attaches: each module's version, pickled as the dict's state (BUILD).
    out._metadata = collections.OrderedDict([("", {"version": 1}), ("transformer", {"version": 1})])
    for name, tensor in out.items():
        assert torch.equal(tensor.to(source[name].dtype), source[name]), name
    return out


def folder(name):
    path = os.path.join(ROOT, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for f in FOLDER_FILES:
        shutil.copy(os.path.join(SOURCE, f), path)
    return path


def write_sharded(state, path):
    """Two shards, wte and lm_head in the second, and the index transformers writes for them."""
    second = {"transformer.wte.weight", "lm_head.weight"}
    shards = [collections.OrderedDict((n, t) for n, t in state.items() if n not in second),
              collections.OrderedDict((n, t) for n, t in state.items() if n in second)]
    weight_map = {}
    for i, shard in enumerate(shards):
        file = "pytorch_model-%05d-of-%05d.bin" % (i + 1, len(shards))
        torch.save(shard, os.path.join(path, file))
        weight_map.update((n, file) for n in shard)
    total = sum(t.numel() * t.element_size() for n, t in state.items() if n != "lm_head.weight")
    with open(os.path.join(path, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


class SystemCall:
    """Pickles as a call of os.system (the global posix.system): what a hostile .bin holds."""

    def __reduce__(self):
        return os.system, ("touch " + MARKER,)


class Eval:
    """Pickles as a call of eval (the global __builtin__.eval, as protocol 2 names builtins)."""

    def __reduce__(self):
        return eval, ("__import__('os').system('touch %s')" % MARKER,)


def small_state():
    return collections.OrderedDict([("transformer.wpe.weight", torch.zeros(2, 3, dtype=torch.float16))])


def write_refused():
    hostile = {"os-system": SystemCall(), "builtins-eval": Eval()}
    for name, payload in hostile.items():
        state = small_state()
        state["transformer.h.0.attn.attention.bias"] = payload
        torch.save(state, os.path.join(folder("torch/" + name), "pytorch_model.bin"))
    torch.save(small_state(), os.path.join(folder("torch/legacy"), "pytorch_model.bin"),
               _use_new_zipfile_serialization=False)
    valid = io.BytesIO()  # saved to a buffer, torch names the records' folder "archive/"
    torch.save(small_state(), valid)
    with zipfile.ZipFile(valid) as src, zipfile.ZipFile(
            os.path.join(folder("torch/compressed"), "pytorch_model.bin"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))


def write_protocol_4():
    """Pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE), which torch.save writes when asked."""
    base = torch.arange(12, dtype=torch.float32)
    state = collections.OrderedDict([("offset", base[2:8].reshape(2, 3)), ("transposed", base.reshape(3, 4).t())])
    torch.save(state, os.path.join(ROOT, "torch", "protocol-4.bin"), pickle_protocol=4)


def main():
    source = read_safetensors(os.path.join(SOURCE, "model.safetensors"))
    state = laid_out(source)
    torch.save(state, os.path.join(folder("tiny-gpt-neo-f16-torch"), "pytorch_model.bin"))
    write_sharded(state, folder("tiny-gpt-neo-f16-torch-sharded"))
    reloaded = torch.load(os.path.join(ROOT, "tiny-gpt-neo-f16-torch", "pytorch_model.bin"))
    assert reloaded["lm_head.weight"].data_ptr() == reloaded["transformer.wte.weight"].data_ptr()
    for name, tensor in source.items():
        assert torch.equal(reloaded[name].to(tensor.dtype), tensor), name
    write_refused()
    write_protocol_4()


if __name__ == "__main__":
    main()
