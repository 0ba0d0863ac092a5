"""Load a Continuo model file and run its single-step graph.

A model file is self-describing: its metadata names the token encoding version, vocabulary,
styles and model shape. A file that is missing, damaged, not ONNX, or made for another
encoding is refused with one sentence (`ModelError`), before anything is sampled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from studio.core import encoding

INPUTS = ("token", "h", "c")
OUTPUTS = ("logits", "style_logits", "h_out", "c_out")


class ModelError(Exception):
    """A model file Continuo cannot use; str() is one sentence for the user."""


def default_model_path() -> Path:
    """The model shipped with Continuo (models/continuo.onnx beside the studio package)."""
    return Path(__file__).resolve().parents[2] / "models" / "continuo.onnx"


class Model:
    """An onnxruntime session over a validated Continuo model. Thread-safe: `step` may be
    called from several threads at once (onnxruntime sessions are)."""

    def __init__(self, path: str | Path, *, threads: int | None = None) -> None:
        self.path = Path(path)
        name = self.path.name
        if not self.path.exists():
            raise ModelError(f"The model file {name} does not exist.")
        if self.path.is_dir():
            raise ModelError(f"{name} is a folder, not a model file.")
        import onnxruntime as ort

        options = ort.SessionOptions()
        # Two threads cut a step by a third on a 2-core laptop; without spinning, the idle
        # workers leave the player's thread alone.
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 4
        try:
            self._session = ort.InferenceSession(str(self.path), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception:  # onnxruntime raises its own (unexported) types for bad files
            raise ModelError(f"{name} is not an ONNX model file, or it is damaged.") from None
        meta = self._session.get_modelmeta().custom_metadata_map
        self.metadata = meta
        self._check(name, meta)
        args = json.loads(meta["continuo.model_args"])
        self.layers, self.hidden = int(args["layers"]), int(args["hidden"])
        self.styles = tuple(json.loads(meta["continuo.styles"]))
        weights = json.loads(meta.get("continuo.copy_weights") or "{}")
        # per style: {"folk": [w per match bucket], ..., "any": pooled}; a bare list = all styles
        self.copy_weights: dict[str, list[float]] = {"any": weights} if isinstance(weights, list) else weights

    def _check(self, name: str, meta: dict[str, str]) -> None:
        version = meta.get("continuo.encoding_version")
        if version is None:
            raise ModelError(f"{name} is an ONNX model but not a Continuo model "
                             "(it has no encoding metadata).")
        if version != str(encoding.ENCODING_VERSION):
            raise ModelError(f"{name} uses token encoding version {version}, but this Continuo "
                             f"understands version {encoding.ENCODING_VERSION}; export the model again "
                             "or update Continuo.")
        layout = {kind.name: list(encoding.token_range(kind)) for kind in encoding.Kind}
        try:
            same = json.loads(meta["continuo.vocabulary"]) == layout and \
                json.loads(meta["continuo.styles"]) == list(encoding.STYLES) and \
                "continuo.model_args" in meta
        except (KeyError, ValueError):
            same = False
        inputs = tuple(i.name for i in self._session.get_inputs())
        outputs = tuple(o.name for o in self._session.get_outputs())
        if not same or inputs != INPUTS or outputs != OUTPUTS:
            raise ModelError(f"{name} does not match Continuo's encoding version {version}; "
                             "it is damaged or was made by another build.")

    def weights_for(self, style: str) -> list[float]:
        """The copy-model mixing weights fitted for a style (the pooled ones otherwise)."""
        return self.copy_weights.get(style) or self.copy_weights.get("any") or []

    @property
    def weight_bytes(self) -> int:
        """Bytes of the weights a step reads (the embedding reads one row, counted whole)."""
        return self.path.stat().st_size

    def zero_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        h = np.zeros((self.layers, batch, self.hidden), np.float32)
        return h, h.copy()

    def step(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One step for a batch: tokens [B] -> logits [B, V], style logits [B, S], h, c."""
        logits, style, h, c = self._session.run(None, {"token": tokens.astype(np.int64, copy=False),
                                                       "h": h, "c": c})
        return logits, style, h, c
