"""The arrangement model's data and training: POP909 songs read onto their beat grid (metre from
the downbeats, performed onsets on sub-steps, the piano's left hand as the bass), a fixed split
by song, and `--task band` training, resuming and exporting a file the engine runs as a band
model and refuses as a continuation model."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from models.band_data import band_sequences, build, load_songs  # noqa: E402
from models.data import write_split_rows  # noqa: E402
from models.export import export, parity  # noqa: E402
from models.model import ModelConfig, load_checkpoint  # noqa: E402
from models.pop909 import read_song, split_of  # noqa: E402
from models.train import TrainConfig, train  # noqa: E402
from studio.core.band_encoding import BAND_STYLES, BAND_VOCAB_SIZE, BASS_RANGE, BandKind, band_range  # noqa: E402
from studio.engine.model import BAND, CONTINUATION, Model, ModelError  # noqa: E402

POP909 = Path(__file__).resolve().parents[3] / "shared" / "data" / "pop909"


def test_a_song_is_read_onto_its_beats() -> None:
    song = read_song(POP909 / "001")
    assert song.beats_per_bar == 4 and 60 < song.tempo < 200
    assert song.beats[0].beat == 0  # it starts on a bar line
    named = [b.chord for b in song.beats if not b.chord.is_none]
    assert len(named) > 0.6 * len(song.beats)
    bass = [p for b in song.beats for _, p in b.bass]
    assert bass and max(bass) < 60 and all(0 <= s < 4 for b in song.beats for s, _ in b.bass)
    assert sum(len(b.comp) for b in song.beats) > len(song.beats)
    assert all(d >= 1 for _, d, _, _ in song.melody)


def test_the_split_is_by_song_and_fixed() -> None:
    splits = [split_of(f"{n:03d}") for n in range(1, 910) if n % 9]
    assert splits == [split_of(f"{n:03d}") for n in range(1, 910) if n % 9]
    assert 0.85 < splits.count("train") / len(splits) < 0.95 and splits.count("test") > 20


@pytest.fixture(scope="module")
def songs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pop909")
    for number in ("001", "002", "003", "004", "005", "006"):
        (root / number).symlink_to(POP909 / number)
    items = build(root, workers=1)
    items = [(song, "valid" if i == 0 else "train") for i, (song, _) in enumerate(items)]
    path = root.parent / "band.json.gz"
    write_split_rows(items, path)
    return path


def test_both_modes_of_every_song_are_sequences(songs: Path) -> None:
    items = load_songs(songs)
    seqs = band_sequences(items, "train")
    assert len(seqs) == 2 * 5 and all(s.style == BAND_STYLES.index("pop") for s in seqs)
    lo, hi = band_range(BandKind.BASS)
    assert all(0 <= t < BAND_VOCAB_SIZE for s in seqs for t in s.tokens)
    assert any(lo <= t < hi for t in seqs[0].tokens) and BASS_RANGE[0] < BASS_RANGE[1]


def test_band_training_resumes_and_exports_a_band_model(songs: Path, tmp_path) -> None:
    model = ModelConfig(vocab_size=BAND_VOCAB_SIZE, n_styles=len(BAND_STYLES), embed=16, hidden=24, layers=2,
                        dropout=0.0)
    config = TrainConfig(data=str(songs), out=str(tmp_path / "run"), minutes=0.02, batch=4, seq_len=64,
                         epoch_steps=2, threads=1, task="band", model=model)
    first = train(config, resume=False)
    again = train(TrainConfig(**{**config.__dict__, "minutes": 0.04}), resume=True)
    assert again["step"] > first["step"]
    net, ckpt = load_checkpoint(tmp_path / "run" / "last.pt")
    assert ckpt["train_config"]["task"] == "band"
    out = tmp_path / "band.onnx"
    export(net, out, task="band")
    assert parity(net, out, [[1, 2, 3, 40, 50, 60, 70, 80]], task="band") < 1e-4
    assert Model(out, spec=BAND).styles == BAND_STYLES
    with pytest.raises(ModelError, match="band model"):
        Model(out, spec=CONTINUATION)


def test_rebarring_reads_four_beat_bars_as_two_and_six_as_three() -> None:
    from models.band_data import rebarred
    from studio.core.band_encoding import beat_of, beat_token

    tokens = [beat_token(4, k) for k in range(4)] + [beat_token(6, k) for k in range(6)] + [beat_token(5, 4)]
    assert [beat_of(t) for t in rebarred(tokens)] == [(2, 0), (2, 1), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2),
                                                       (3, 0), (3, 1), (3, 2), (5, 4)]


def test_pop909_melodies_join_the_continuation_data_as_pop_on_the_band_models_side_of_the_split(
        tmp_path) -> None:
    from models.data import pop909_items
    from models.sequences import encode_piece
    from studio.core.encoding import STYLES

    for number in ("001", "002"):
        (tmp_path / number).symlink_to(POP909 / number)
    items = pop909_items(tmp_path, workers=1)
    assert [(p.source, split) for p, split in items] == [(f"pop909/{n}", split_of(n)) for n in ("001", "002")]
    piece = items[0][0]
    song = read_song(POP909 / "001")
    assert piece.style == "pop" and piece.metre == (4, 4) and len(piece.notes) == len(song.melody)
    bar = 4 * 480
    assert 0 <= piece.notes[0][0] < bar  # from the bar of the first note: no bars of intro
    assert [p for _, p, _, _ in piece.notes] == [p for _, _, p, _ in sorted(song.melody)]
    assert encode_piece(piece).style == STYLES.index("pop")
