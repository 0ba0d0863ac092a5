"""Training runs, checkpoints carry the model, resume continues, export is faithful."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from models.corpus import Piece  # noqa: E402
from models.data import write_dataset  # noqa: E402
from models.export import export, parity  # noqa: E402
from models.model import ContinuoLSTM, ModelConfig, load_checkpoint  # noqa: E402
from models.train import TrainConfig, grow_styles, init_weights, train  # noqa: E402
from studio.core.encoding import ENCODING_VERSION, VOCAB_SIZE  # noqa: E402

TINY = ModelConfig(embed=16, hidden=24, layers=2, dropout=0.0)


def _dataset(tmp_path):
    items = []
    for i in range(40):
        style = ("folk", "chorale")[i % 2]
        melody = [(j * 240, 60 + (i + j * 5) % 12, 240, 80) for j in range(30)]
        piece = Piece(f"p#{i}", "x", style, f"t{i}", (3, 4) if i % 3 else (6, 8), 120.0, melody)
        items.append((piece, "valid" if i % 10 == 0 else "train"))
    path = tmp_path / "data.json.gz"
    write_dataset(items, path)
    return path


def _config(tmp_path, data, minutes):
    return TrainConfig(data=str(data), out=str(tmp_path / "run"), minutes=minutes, batch=4,
                       seq_len=48, epoch_steps=3, threads=1, model=TINY)


def test_train_checkpoints_and_resume(tmp_path):
    torch.manual_seed(0)
    data = _dataset(tmp_path)
    state = train(_config(tmp_path, data, minutes=0.002), resume=False)
    steps = state["step"]
    assert steps >= 1 and state["history"][0]["valid"]["all"] > 0
    model, ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    assert ckpt["model_args"] == TINY.to_dict()
    assert ckpt["encoding_version"] == ENCODING_VERSION
    assert (tmp_path / "run" / "best.pt").exists()
    resumed = train(_config(tmp_path, data, minutes=state["elapsed"] / 60 + 0.002), resume=True)
    assert resumed["step"] > steps
    assert len(resumed["history"]) > len(state["history"])


def test_export_parity_metadata_and_init_from_onnx(tmp_path):
    torch.manual_seed(1)
    model = ContinuoLSTM(TINY).eval()
    path = tmp_path / "m.onnx"
    export(model, path, {"continuo.extra": "1"})
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["continuo.encoding_version"] == str(ENCODING_VERSION)
    assert int(meta["continuo.vocab_size"]) == VOCAB_SIZE
    assert "folk" in json.loads(meta["continuo.styles"])
    tokens = np.random.default_rng(0).integers(0, VOCAB_SIZE, size=(2, 120)).tolist()
    assert parity(model, path, tokens) < 1e-4
    clone = ContinuoLSTM(TINY)
    init_weights(clone, str(path))
    for (name, a), b in zip(model.state_dict().items(), clone.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_init_refuses_a_model_of_another_shape(tmp_path):
    path = tmp_path / "m.onnx"
    export(ContinuoLSTM(TINY), path)
    with pytest.raises(SystemExit, match="does not hold this model's weights"):
        init_weights(ContinuoLSTM(ModelConfig(embed=8, hidden=8, layers=1)), str(path))


def test_unchanged_under_torchrun(tmp_path):
    """Two data-parallel CPU workers (gloo) run the same script and stop together."""
    import subprocess
    import sys

    data = _dataset(tmp_path)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "models.train", "--data", str(data), "--out", str(tmp_path / "ddp"), "--minutes", "0.003",
           "--batch", "4", "--seq-len", "48", "--epoch-steps", "3", "--threads", "1",
           "--embed", "16", "--hidden", "24", "--layers", "2", "--dropout", "0.0"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=150, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    model, ckpt = load_checkpoint(tmp_path / "ddp" / "last.pt")
    assert ckpt["state"]["step"] >= 3 and ckpt["model_args"]["hidden"] == 24


def test_a_model_from_before_a_style_was_added_grows_into_it_unchanged():
    from studio.core.encoding import KIND_OF, KIND_SIZES, OFFSETS, STYLES, Kind, vocabulary_layout

    torch.manual_seed(2)
    old_styles = len(STYLES) - 1
    old_offsets, old_size, _ = vocabulary_layout({**KIND_SIZES, Kind.STYLE: old_styles})
    old = ContinuoLSTM(ModelConfig(vocab_size=old_size, n_styles=old_styles, embed=16, hidden=24,
                                   layers=2, dropout=0.0)).eval()
    grown = ContinuoLSTM(TINY).eval()
    grown.load_state_dict(grow_styles(old.state_dict(), old_styles))
    def known(t: int) -> bool:  # every token but the new style's
        return not (KIND_OF[t] == Kind.STYLE and t - OFFSETS[Kind.STYLE] >= old_styles)

    new_tokens = [t for t in np.random.default_rng(3).integers(0, VOCAB_SIZE, size=60) if known(t)]
    old_tokens = [old_offsets[KIND_OF[t]] + t - OFFSETS[KIND_OF[t]] for t in new_tokens]
    with torch.no_grad():
        want, want_style, _ = old(torch.tensor([old_tokens]))
        got, got_style, _ = grown(torch.tensor([new_tokens]))
    assert torch.allclose(got[0][:, [t for t in range(VOCAB_SIZE) if known(t)]], want[0], atol=1e-6)
    assert torch.allclose(got_style[0][:, :old_styles], want_style[0], atol=1e-6)
    pop = OFFSETS[Kind.STYLE] + STYLES.index("pop")
    folk = old_offsets[Kind.STYLE] + STYLES.index("folk")
    assert torch.equal(grown.embedding.weight[pop], old.embedding.weight[folk])
