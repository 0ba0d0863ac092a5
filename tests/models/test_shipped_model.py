"""The model we ship: self-describing, faithful to its torch weights, as good as its card says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")

from models.export import parity  # noqa: E402
from models.model import ContinuoLSTM, ModelConfig  # noqa: E402
from models.train import init_weights  # noqa: E402
from studio.core.encoding import ENCODING_VERSION, STYLES, VOCAB_SIZE, encode  # noqa: E402
from studio.core.notes import Clip, Note, TimeSignature  # noqa: E402
from studio.engine.continuation import Engine  # noqa: E402
from studio.engine.model import Model  # noqa: E402

MODEL = Path(__file__).resolve().parents[2] / "models" / "continuo.onnx"

# "The Girl I Left Behind Me" opening, a folk tune in 2/4 (not from the training corpora).
TUNE = [67, 69, 71, 71, 71, 72, 74, 74, 72, 71, 69, 67, 69, 71, 69, 67, 64, 62, 67, 69, 71, 71, 71, 72,
        74, 74, 72, 71, 69, 67, 69, 71, 69, 67]


def tune_clip() -> Clip:
    return Clip([Note(i * 240, p, 240, 80) for i, p in enumerate(TUNE)], 120.0, TimeSignature(2, 4))


@pytest.fixture(scope="module")
def meta() -> dict[str, str]:
    proto = onnx.load(str(MODEL))
    onnx.checker.check_model(proto)
    return {p.key: p.value for p in proto.metadata_props}


def test_small_and_self_describing(meta):
    assert MODEL.stat().st_size < 25 * 1024 * 1024
    assert meta["continuo.encoding_version"] == str(ENCODING_VERSION)
    assert int(meta["continuo.vocab_size"]) == VOCAB_SIZE
    assert json.loads(meta["continuo.styles"]) == list(STYLES)
    weights = json.loads(meta["continuo.copy_weights"])
    assert {"any", "folk", "chorale", "renaissance", "classical"} <= set(weights)
    assert all(len(w) == 7 and all(0 <= x < 1 for x in w) for w in weights.values())


def test_onnx_matches_torch_over_a_whole_real_sequence(meta):
    model = ContinuoLSTM(ModelConfig(**json.loads(meta["continuo.model_args"])))
    init_weights(model, str(MODEL))
    tokens = encode(tune_clip(), "folk")
    assert parity(model, MODEL, [tokens]) < 1e-4


def test_recorded_evaluation_meets_the_floor(meta):
    table = json.loads(meta["continuo.evaluation"])
    model = table["model"]
    assert model["pitch_bits"] <= 2.30 and model["pitch_acc"] >= 0.43
    for name, base in table["baselines"].items():
        for metric in ("joint_bits", "pitch_bits", "timing_bits"):
            assert model[metric] < base[metric], (name, metric)
        assert model["pitch_acc"] > base["pitch_acc"], name


def test_style_head_recognises_a_folk_tune_and_reports_its_accuracy(meta):
    assert Engine(Model(MODEL)).detect_style(tune_clip()) == "folk"
    assert json.loads(meta["continuo.evaluation"])["style_head"]["accuracy"] > 0.5
