"""`python -m models.evaluate` end to end on a tiny dataset and a folder of .mid files."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from models import evaluate  # noqa: E402
from models.corpus import Piece  # noqa: E402
from models.data import write_dataset  # noqa: E402
from models.export import export  # noqa: E402
from models.model import ContinuoLSTM, ModelConfig  # noqa: E402
from studio.core.notes import Clip, Note, TimeSignature  # noqa: E402
from studio.midi.files import write_midi  # noqa: E402

KEYS = {"joint_bits", "pitch_bits", "pitch_acc", "timing_bits"}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eval")
    items = []
    for i in range(30):
        melody = [(j * 240, 60 + (i + j * 7) % 12, 240, 80) for j in range(40)]
        split = ("train", "valid", "test")[i % 3]
        items.append((Piece(f"p#{i}", "x", "folk", f"t{i}", (2, 4), 120.0, melody), split))
    data = tmp / "data.json.gz"
    write_dataset(items, data)
    torch.manual_seed(0)
    model = tmp / "m.onnx"
    export(ContinuoLSTM(ModelConfig(embed=8, hidden=16, layers=1, dropout=0.0)), model)
    return tmp, data, model


def run(capsys, *args: str) -> dict:
    assert evaluate.main([*args, "--json", "--lstm-seconds", "0.2"]) == 0
    return json.loads(capsys.readouterr().out)


def test_held_out_split_json(setup, capsys):
    tmp, data, model = setup
    out = run(capsys, "--model", str(model), "--data", str(data), "--baseline-cache", str(tmp / "b.pkl"),
              "--fit-copy")
    assert out["notes"] == 10 * 40
    assert set(out["model"]) == KEYS
    assert set(out["baselines"]) == {"pitch_5gram", "interval_5gram", "seed_lstm"}
    for scores in out["baselines"].values():
        assert set(scores) == KEYS
    assert out["continuations"]["seeds"] == 10
    assert 0 <= out["continuations"]["in_key_generated"] <= 1
    assert set(out["copy_weights"]) == {"folk", "any"} and len(out["copy_weights"]["folk"]) == 7


def test_midi_dir_scores_the_top_voice(setup, capsys, tmp_path):
    tmp, data, model = setup
    for i in range(2):
        melody = [Note(j * 240, 72 + (j * 5) % 7, 240) for j in range(20)]
        bass = [Note(j * 480, 48, 480) for j in range(10)]
        write_midi(tmp_path / f"t{i}.mid", Clip(melody + bass, 100.0, TimeSignature(4, 4)))
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    out = run(capsys, "--model", str(model), "--data", str(data), "--midi-dir", str(tmp_path),
              "--baseline-cache", str(tmp / "b.pkl"), "--no-continuations")
    assert out["pieces"] == 2 and out["notes"] == 40


def test_missing_model_is_one_clear_line(setup, capsys):
    tmp, data, _ = setup
    assert evaluate.main(["--model", str(tmp / "nope.onnx"), "--data", str(data)]) == 2
    assert "no model at" in capsys.readouterr().err
