#!/usr/bin/env bash
# After `python -m models.train`: export the best checkpoint, fit the copy weights, evaluate on
# the held-out split and the held-out .mid folders (python -m models.heldout), and render
# models/MODEL_CARD.md from the results. `bash models/finish.sh`
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p runs/eval
python -m models.export --checkpoint runs/continuo/best.pt --out models/continuo.onnx
python -m models.evaluate --model models/continuo.onnx --fit-copy --write-metadata --json > runs/eval/heldout.json
python -m models.quantize --model models/continuo.onnx --out models/continuo-int8.onnx
python -m models.evaluate --model models/continuo-int8.onnx --write-metadata --json > runs/eval/heldout-int8.json
python -m models.evaluate --model models/continuo.onnx --style pop --write-metadata --json > runs/eval/pop.json
folders=()
for d in data/heldout-midi/*/; do
    name=$(basename "$d")
    python -m models.evaluate --model models/continuo.onnx --midi-dir "$d" --style folk --no-continuations \
        --json > "runs/eval/$name.json"
    folders+=(--folder "$name=runs/eval/$name.json")
done
python -m models.card --summary data/build.json --checkpoint runs/continuo/best.pt \
    --heldout runs/eval/heldout.json --pop runs/eval/pop.json "${folders[@]}" --commands models/TRAINING_COMMANDS.txt
echo finished
