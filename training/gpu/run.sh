#!/bin/bash
# Teacher fine-tuning then distillation on a lent GPU (after training/gpu/prepare.sh); the
# weights come back in $OUT in 15 MB pieces: `cat teacher.pt.* > teacher.pt`, then
# `python -m training.train --from-state teacher.pt` and `python -m training.distill --from-state`
# here (training/README.md). Local dry run: PY=.venv/bin/python DEV=cpu OUT=/tmp/x THREADS=2 ...
set -x
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD/src:$PWD OMP_NUM_THREADS=${THREADS:-16}
PY=${PY:-python3}; DEV=${DEV:-cuda}; T1=${T1:-3.5}; T2=${T2:-2}; TH=${THREADS:-16}
S=$(date +%s); LIMIT=${LIMIT:-565}
W=${W:-/tmp/gpuwork}; rm -rf $W; mkdir -p $W/data; tar xJf .gpu/data.tar.xz -C $W/data
nvidia-smi -L
$PY -c "import torch, transformers, onnxruntime; print(torch.__version__, transformers.__version__, onnxruntime.__version__, torch.cuda.is_available())"
date
$PY -m training.train --device $DEV --encoder .gpu/minilm --data-dir $W/data --batch-size 64 --lr 8e-5 --head-lr 7e-4 --epochs 6 --time-budget $T1 --context-grad --freeze-word-embeddings --threads $TH --no-float-eval --min-cosine 0.98 --save-state $W/teacher.pt --out $W/teacher --report $OUT/teacher_report.json --log-every 500 $EXTRA1 > $OUT/teacher.log 2>&1
echo "train rc $?"; tail -45 $OUT/teacher.log
split -b 15M $W/teacher.pt $OUT/teacher.pt.
REM=$((LIMIT - $(date +%s) + S)); T2=$(awk -v r=$REM -v t=$T2 'BEGIN{x=(r-80)/60; if (x>t) x=t; if (x<0.3) x=0.3; print x}'); echo "remaining $REM s, distill budget $T2 min"
date
timeout $((REM - 5)) $PY -m training.distill --teacher $W/teacher --encoder .gpu/minilm --out $W/student --layers 0,2,4,5 --device $DEV --time-budget $T2 --freeze-word-embeddings --threads $TH --data-dir $W/data --save-state $W/student.pt --train-only $EXTRA2 > $OUT/student.log 2>&1
echo "distill rc $?"; tail -8 $OUT/student.log
split -b 15M $W/student.pt $OUT/student.pt.
date; ls -la $OUT
