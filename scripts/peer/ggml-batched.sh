#!/usr/bin/env bash
# Batched decode beside a peer on the same machine: ggml's examples/gpt-2 `gpt-2-batched` (the CPU
# kernels that llama.cpp runs, on a GPT-2 124M-shaped model of random weights, which has GPT-Neo
# 125M's shape) against `gptneo bench --batch N` on synthetic:125m, one after the other for each
# format and batch size, ROUNDS times, so that both see the same state of a noisy machine.
#
# Usage: scripts/peer/ggml-batched.sh GGML_CHECKOUT [WORK_DIR]
#   GGML_CHECKOUT  a clone of https://github.com/ggml-org/ggml (built here in GGML_CHECKOUT/build)
#   WORK_DIR       where the model files go, about 0.9 GB (default: a new temporary folder)
# Environment: ROUNDS (default 2), SIZES (default "1 4 16 32"), DTYPES (default "f32 f16 q8"),
# THREADS (default: all cores). Needs cmake, a C++ compiler, python3 with numpy, and JDK 25+.
# Prints one line per run: format, engine, streams, output tokens/s, ms per batched step.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ggml=$(cd "${1:?usage: $0 GGML_CHECKOUT [WORK_DIR]}" && pwd)
work=${2:-$(mktemp -d)}
rounds=${ROUNDS:-2}
threads=${THREADS:-$(nproc)}
source "$root/scripts/jdk.sh"

# GGML_LLAMAFILE as llama.cpp builds ggml: its tiled F32/F16/Q8_0 products (tinyBLAS) for
# batches, off by default in ggml's own build.
cmake -S "$ggml" -B "$ggml/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_LLAMAFILE=ON \
  -DGGML_BUILD_EXAMPLES=ON -DGGML_BUILD_TESTS=OFF >/dev/null
cmake --build "$ggml/build" -j "$threads" --target gpt-2-batched gpt-2-quantize >/dev/null
bin=$ggml/build/bin
mkdir -p "$work"
[[ -f "$work/f32.bin" ]] || python3 "$root/scripts/peer/gpt2_ggml_model.py" "$work/f32.bin" f32
[[ -f "$work/f16.bin" ]] || python3 "$root/scripts/peer/gpt2_ggml_model.py" "$work/f16.bin" f16
[[ -f "$work/q8.bin" ]] || "$bin/gpt-2-quantize" "$work/f32.bin" "$work/q8.bin" q8_0 >/dev/null
(cd "$root" && ./mvnw -q -B -DskipTests -pl cli -am package) >&2
jar=$(compgen -G "$root/cli/target/gptneo-cli-*.jar" | head -n 1)

# 34 tokens for ggml's own tokenizer; ours prefills 32 random ones. Both then decode 64 steps.
prompt="EleutherAI is a grassroots collective of researchers working to open source AI research. It trained GPT-Neo and GPT-J, and released the Pile"
for round in $(seq "$rounds"); do
  for dtype in ${DTYPES:-f32 f16 q8}; do
    for n in ${SIZES:-1 4 16 32}; do
      # gpt-2-batched shares one prompt's cache among its N streams and times only the decode
      # steps ("predict time"); its cache holds every stream's cells, so -c must cover them.
      "$bin/gpt-2-batched" -m "$work/$dtype.bin" -t "$threads" -np "$n" -n 65 -c $((64 * n + 64)) -p "$prompt" 2>&1 |
        awk -v d="$dtype" -v n="$n" '/n_decoded/ {tokens = $4} /predict time/ {ms = $5}
          END {printf "%s ggml   streams %2d: %6.1f tokens/s, %6.2f ms a step\n", d, n, tokens / (ms / 1000), ms / 64}'
      "$JAVA_HOME/bin/java" "@$root/jvm.options" -jar "$jar" bench --model synthetic:125m --dtype "$dtype" \
        --threads "$threads" --prompt-tokens 32 --new-tokens 64 --batch "$n" --json 2>/dev/null |
        python3 -c "
import json, sys
d = json.load(sys.stdin)
n = $n
tps = d['batch_decode_tokens_per_s'] if n > 1 else d['decode_tokens_per_s']
print('%s gptneo streams %2d: %6.1f tokens/s, %6.2f ms a step (probes: %.1f GB/s, %.0f GFLOP/s)'
      % ('$dtype', n, tps, n * 1000 / tps, d['bandwidth_gb_s'], d['fma_gflops']))"
    done
  done
done
