"""Propose the chord lane of a melody with the harmoniser (models/harmony.onnx, models/harmony.py).

The harmoniser hears the whole melody at once (studio.core.harmony) and gives per beat a
probability for every chord; it runs on the melody in all twelve transpositions and takes
each answer back down, so a tune names the same chords in every key. The lane is the path of
chords that is most probable less a penalty per change (fitted on held-out songs and stored in
the file): chords change where the melody asks, not on every beat. Chords the musician typed
or locked are fixed points of the path. A new take (temperature above 0) adds noise drawn per
half bar from the take's seed before the path is chosen: another plausible lane, the same one
for the same seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from studio.core.band_encoding import BandBeat
from studio.core.chords import QUALITY_NAMES, Chord
from studio.core.harmony import (
    FEATURES,
    HARMONY_VERSION,
    N_CLASSES,
    PITCH_BLOCKS,
    chord_class,
    class_chord,
    class_transposition,
    harmony_features,
)
from studio.engine.model import ModelError

# for every class, its class in the answer for the melody s semitones up
CLASS_UP = [np.array(class_transposition(s)) for s in range(12)]
_FIXED = 1e4  # a fixed chord's score: no path leaves it


def harmony_model_path(band_path: Path) -> Path:
    """Where the harmoniser ships: beside the band model."""
    return band_path.with_name("harmony.onnx")


class Harmoniser:
    """One harmony.onnx file, checked on load (ModelError: one sentence for the user)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        name = self.path.name
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception:  # onnxruntime raises its own (unexported) types for bad files
            raise ModelError(f"{name} is not an ONNX model file, or it is damaged.") from None
        meta = self._session.get_modelmeta().custom_metadata_map
        if meta.get("continuo.encoding") != "harmony":
            raise ModelError(f"{name} is not a Continuo harmoniser.")
        expected = {"continuo.encoding_version": str(HARMONY_VERSION), "continuo.features": str(FEATURES),
                    "continuo.classes": str(N_CLASSES),
                    "continuo.chord_qualities": json.dumps(list(QUALITY_NAMES))}
        if any(meta.get(key) != value for key, value in expected.items()):
            raise ModelError(f"{name} was made for another version of Continuo's harmoniser; "
                             "export it again or update Continuo.")
        self.change_penalty = float(meta.get("continuo.change_penalty", "1.0"))

    def log_probs(self, beats: list[BandBeat]) -> np.ndarray:
        """Per beat, the log-probability of every chord class: [beats, N_CLASSES]."""
        features = np.array(harmony_features(beats), np.float32)
        return transposed_log_probs(lambda x: self._session.run(None, {"features": x})[0], features)

    def lane(self, beats: list[BandBeat], fixed: list[Chord | None], temperature: float = 0.0,
             rng: np.random.Generator | None = None) -> list[Chord]:
        """A chord per beat: the fixed ones where given, the most probable path elsewhere."""
        if not beats:
            return []
        scores = self.log_probs(beats)
        if temperature > 0 and rng is not None:
            per_bar = max(1, beats[0].beats_per_bar)
            span = max(1, per_bar // 2)
            halves = -(-len(beats) // span)
            noise = rng.gumbel(size=(halves, N_CLASSES)) * temperature
            scores = scores + np.repeat(noise, span, axis=0)[:len(beats)]
        for b, chord in enumerate(fixed[:len(beats)]):
            if chord is not None:
                scores[b] = -_FIXED
                scores[b, chord_class(chord)] = 0.0
        return [class_chord(i) for i in best_path(scores, self.change_penalty)]


def rotate(features: np.ndarray, shift: int) -> np.ndarray:
    """Features of the melody `shift` semitones up (the pitch-class blocks roll)."""
    out = features.copy()
    for first in PITCH_BLOCKS:
        out[..., first:first + 12] = np.roll(features[..., first:first + 12], shift, axis=-1)
    return out


def transposed_log_probs(run, features: np.ndarray) -> np.ndarray:
    """Per beat, log-probabilities of every class averaged over the melody's 12 transpositions,
    each answer taken back down: [T, C]. `run` maps features [T, 12, F] to logits [T, 12, C]."""
    logits = run(np.stack([rotate(features, s) for s in range(12)], axis=1).astype(np.float32))
    logits = logits - logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return np.mean([logp[:, s][:, CLASS_UP[s]] for s in range(12)], axis=0)


def best_path(scores: np.ndarray, penalty: float) -> list[int]:
    """The class path maximising the summed scores less `penalty` per change of class
    (Viterbi, with the one best predecessor of a change shared by all classes)."""
    steps, classes = scores.shape
    back = np.zeros((steps, classes), np.int64)
    best = scores[0].copy()
    for t in range(1, steps):
        leader = int(best.argmax())
        switch = best[leader] - penalty
        stay = best >= switch
        back[t] = np.where(stay, np.arange(classes), leader)
        best = np.where(stay, best, switch) + scores[t]
    path = [int(best.argmax())]
    for t in range(steps - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]
