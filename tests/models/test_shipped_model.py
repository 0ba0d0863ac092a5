"""The model we ship: self-describing, faithful to its torch weights, as good as its card says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
INT8 = MODEL.with_name("continuo-int8.onnx")

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
    assert {"any", "folk", "pop", "chorale", "renaissance", "classical"} <= set(weights)
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


def test_recorded_pop_evaluation_beats_every_baseline(meta):
    table = json.loads(meta["continuo.evaluation.pop"])
    model = table["model"]
    assert table["pieces"] >= 40 and table["notes"] > 5000
    for name, base in table["baselines"].items():
        for metric in ("joint_bits", "pitch_bits"):
            assert model[metric] < base[metric], (name, metric)
        assert model["pitch_acc"] > base["pitch_acc"], name


def test_style_head_recognises_a_folk_tune_and_reports_its_accuracy(meta):
    assert Engine(Model(MODEL)).detect_style(tune_clip()) == "folk"
    assert json.loads(meta["continuo.evaluation"])["style_head"]["accuracy"] > 0.5


def _bits_apart(a: np.ndarray, b: np.ndarray) -> float:
    """KL(a || b) in bits between the distributions of two logit rows."""
    p, q = (np.exp(x - x.max()) / np.exp(x - x.max()).sum() for x in (a, b))
    return float((p * np.log2(p / q)).sum())


def test_int8_model_keeps_the_float_models_metadata_and_predictions(meta):
    int8, full = Model(INT8), Model(MODEL)
    assert int8.metadata["continuo.quantized"].startswith("int8")
    for key in ("continuo.encoding_version", "continuo.vocabulary", "continuo.styles", "continuo.model_args",
                "continuo.copy_weights"):
        assert int8.metadata[key] == meta[key], key
    assert int8.path.stat().st_size < MODEL.stat().st_size / 3
    tokens = np.array(encode(tune_clip(), "folk"))
    h, c = int8.zero_state(1)
    fh, fc = full.zero_state(1)
    apart = []
    for tok in tokens:
        logits, _, h, c = int8.step(np.array([tok]), h, c)
        ref, _, fh, fc = full.step(np.array([tok]), fh, fc)
        apart.append(_bits_apart(ref[0], logits[0]))
    assert np.mean(apart) < 2e-3  # per token, next to ~2-3 bits of uncertainty per note
    once = int8.run(tokens[:, None], *int8.zero_state(1))  # a whole seed in one call
    assert _bits_apart(full.run(tokens[:, None], *full.zero_state(1))[0][0], once[0][0]) < 2e-3


def test_int8_recorded_evaluation_is_within_one_percent_of_the_float_model(meta):
    full = json.loads(meta["continuo.evaluation"])["model"]
    int8 = json.loads(Model(INT8).metadata["continuo.evaluation"])["model"]
    for metric in ("joint_bits", "pitch_bits", "timing_bits", "pitch_acc"):
        assert abs(int8[metric] - full[metric]) <= 0.01 * full[metric], metric
