#!/usr/bin/env bash
# Chapter 8 on a GPU, in one go: the mixed-precision tests, the solution's training run with the GPU
# configuration (bf16 autocast where the GPU has it, F.scaled_dot_product_attention inside the
# attention), and the throughput benchmark against nn.Transformer; then a summary of steps/s,
# tokens/s, model FLOPs utilisation, exact match and BLEU. Under 8 minutes on one large GPU.
#
#   benchmarks/gpu_check.sh          on CUDA (fails when there is none)
#   benchmarks/gpu_check.sh --cpu    a few steps of the same on the CPU, to check the script (make test)
#
# PYTHON (default .venv/bin/python) and OUT (default _build/gpu-check, the JSON results) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
OUT=${OUT:-_build/gpu-check}
mode=gpu
case "${1:-}" in
  --cpu) mode=cpu ;;
  "") ;;
  *) echo "usage: $0 [--cpu]" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

echo "== gpu_check ($mode), $(date -u +%Y-%m-%dT%H:%MZ)"
"$PYTHON" - "$mode" <<'EOF'
import sys
import torch
from tfs.runtime import mixed_precision
mode = sys.argv[1]
if mode == "gpu" and not torch.cuda.is_available():
    sys.exit("no CUDA device: run `benchmarks/gpu_check.sh --cpu` to check the script on the CPU")
device = torch.device("cuda" if mode == "gpu" else "cpu")
where = f"{torch.cuda.get_device_name()} (compute capability {torch.cuda.get_device_capability()})" \
    if mode == "gpu" else "CPU"
print(f"torch {torch.__version__}, {where}; mixed precision: {mixed_precision(device).name}")
EOF

if [ "$mode" = gpu ]; then
  tests="precision or bf16"
  train=(--gpu-config)
  throughput=(--gpu-config --steps 20 --rounds 3)
else
  export CUDA_VISIBLE_DEVICES=""
  tests="mixed_precision"
  train=(--steps 2)
  throughput=(--steps 1 --rounds 1 --threads 2)
fi

echo "== mixed-precision tests"
"$PYTHON" -m pytest tests/test_training.py -q -p no:cacheprovider -k "$tests" 2>&1 | tail -3

echo "== training (chapter 8's solution, $mode configuration)"
"$PYTHON" benchmarks/train.py "${train[@]}" --json "$OUT/train.json"

echo "== throughput against nn.Transformer"
"$PYTHON" benchmarks/train_throughput.py "${throughput[@]}" | tee "$OUT/throughput.txt"

echo "== summary"
"$PYTHON" - "$OUT" <<'EOF'
import json, re, sys
from pathlib import Path
out = Path(sys.argv[1])
train = json.loads((out / "train.json").read_text())
print(f"training: {train['steps']} steps on {train['device']}, {train['steps_per_second']:.2f} steps/s, "
      f"exact match {train['exact_match']:.1%}, BLEU {train['bleu']:.1f}")
for line in (out / "throughput.txt").read_text().splitlines():
    match = re.match(r"(nn\.Transformer|course, \w+)\s+([\d,]+) tokens/s.*?(MFU [\d.]+%)?$", line)
    if match:
        print(f"throughput: {match[1]}: {match[2]} tokens/s" + (f", {match[3]}" if match[3] else ""))
EOF
