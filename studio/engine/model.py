"""Load a Continuo model file and run its single-step graph.

A model file is self-describing: its metadata names the token encoding version, vocabulary,
styles and model shape. A file that is missing, damaged, not ONNX, or made for another
encoding is refused with one sentence (`ModelError`), before anything is sampled. The graph
takes token [T, B] (models/graph.py: a whole seed primes in one call, a step is T = 1);
files from earlier exports, with a single-step graph (token [B]), still work, token by token.
A float model's batch-1 steps run in numpy (studio/engine/numpy_step.py: at the speed the
weights stream from memory, where onnxruntime's per-node costs are several times that);
priming, batches and int8 models run in onnxruntime.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core import band_encoding, encoding
from studio.engine.numpy_step import NumpyStep
from studio.engine.onnx_weights import WeightsError, float_initializers

INPUTS = ("token", "h", "c")
OUTPUTS = ("logits", "style_logits", "h_out", "c_out")


class ModelError(Exception):
    """A model file Continuo cannot use; str() is one sentence for the user."""


@dataclass(frozen=True)
class EncodingSpec:
    """What a model file must say of its vocabulary: the encoding's name (the metadata's
    continuo.encoding, "continuation" when absent, as in files from before there were two),
    its version, the token layout and the styles."""

    name: str
    version: int
    layout: dict[str, list[int]]
    styles: tuple[str, ...]


CONTINUATION = EncodingSpec("continuation", encoding.ENCODING_VERSION,
                            {kind.name: list(encoding.token_range(kind)) for kind in encoding.Kind},
                            encoding.STYLES)
BAND = EncodingSpec("band", band_encoding.BAND_ENCODING_VERSION,
                    {kind.name: list(band_encoding.band_range(kind)) for kind in band_encoding.BandKind},
                    band_encoding.BAND_STYLES)


def float_model_path() -> Path:
    """The float model shipped with Continuo (models/continuo.onnx beside the studio package):
    PyTorch's weights, what fine-tuning starts from and the int8 model is made from."""
    return Path(__file__).resolve().parents[2] / "models" / "continuo.onnx"


def band_model_path() -> Path:
    """The band (arrangement) model shipped beside the continuation model."""
    return float_model_path().with_name("band.onnx")


def default_model_path() -> Path:
    """The model Continuo runs: the int8 one shipped beside the float model (a quarter of the
    bytes per step, evaluation within 0.1% of the float model; models/MODEL_CARD.md), or the
    float model where only that one is installed."""
    int8 = float_model_path().with_name("continuo-int8.onnx")
    return int8 if int8.is_file() else float_model_path()


class Model:
    """An onnxruntime session over a validated Continuo model. Thread-safe: `step` may be
    called from several threads at once (onnxruntime sessions are)."""

    def __init__(self, path: str | Path, *, threads: int | None = None,
                 spec: EncodingSpec = CONTINUATION) -> None:
        self.path = Path(path)
        self.spec = spec
        name = self.path.name
        if not self.path.exists():
            raise ModelError(f"The model file {name} does not exist.")
        if self.path.is_dir():
            raise ModelError(f"{name} is a folder, not a model file.")
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One thread by default: a batch-1 step is a few small matrix-vector products, and
        # waking a second thread for each costs more than it saves (measured on 2 cores,
        # tests/benchmarks/bench_engine.py); it also leaves the other core to the player.
        self.threads = threads or 1
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 4
        try:
            blob = self.path.read_bytes()
            self._session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
        except OSError as err:
            raise ModelError(f"{name} cannot be read ({err.strerror or err}).") from None
        except Exception:  # onnxruntime raises its own (unexported) types for bad files
            raise ModelError(f"{name} is not an ONNX model file, or it is damaged.") from None
        meta = self._session.get_modelmeta().custom_metadata_map
        self.metadata = meta
        self._check(name, meta)
        args = json.loads(meta["continuo.model_args"])
        self.layers, self.hidden = int(args["layers"]), int(args["hidden"])
        self.styles = tuple(json.loads(meta["continuo.styles"]))
        # the styles its training data had (the others' tokens were never learned)
        self.trained_styles = tuple(json.loads(meta.get("continuo.trained_styles") or "null") or self.styles)
        token_input = self._session.get_inputs()[0]
        self.sequence = len(token_input.shape or ()) == 2  # token [T, B]: primes a seed in one call
        weights = json.loads(meta.get("continuo.copy_weights") or "{}")
        # per style: {"folk": [w per match bucket], ..., "any": pooled}; a bare list = all styles
        self.copy_weights: dict[str, list[float]] = {"any": weights} if isinstance(weights, list) else weights
        # an int8 file (models/quantize.py says so in its metadata) has no float LSTM to read
        quantized = "continuo.quantized" in meta
        self._numpy = self._numpy_step(blob) if self.sequence and not quantized else None

    def _numpy_step(self, blob: bytes) -> NumpyStep | None:
        """The numpy step over the file's PyTorch-named float weights (None without them)."""
        try:
            weights = float_initializers(blob)
        except WeightsError:
            raise ModelError(f"{self.path.name} is damaged (its weights do not read).") from None
        try:
            return NumpyStep(weights, self.layers, self.hidden)
        except KeyError:  # not the float LSTM's names: the graph alone runs it
            return None

    def _check(self, name: str, meta: dict[str, str]) -> None:
        spec = self.spec
        version = meta.get("continuo.encoding_version")
        if version is None:
            raise ModelError(f"{name} is an ONNX model but not a Continuo model "
                             "(it has no encoding metadata).")
        kind = meta.get("continuo.encoding", CONTINUATION.name)
        if kind != spec.name:
            raise ModelError(f"{name} is a Continuo {kind} model, not the {spec.name} model asked for.")
        if version != str(spec.version):
            raise ModelError(f"{name} uses token encoding version {version}, but this Continuo "
                             f"understands version {spec.version}; export the model again "
                             "or update Continuo.")
        try:
            same = json.loads(meta["continuo.vocabulary"]) == spec.layout and \
                json.loads(meta["continuo.styles"]) == list(spec.styles) and \
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
        """Bytes of the weights a batch-1 step reads (of the embedding, or the numpy step's
        input table, one row), as the file states it; for older files, the file's size."""
        if self._numpy is not None:
            return self._numpy.step_bytes
        try:
            return int(self.metadata["continuo.step_bytes"])
        except (KeyError, ValueError):
            return self.path.stat().st_size

    def zero_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        h = np.zeros((self.layers, batch, self.hidden), np.float32)
        return h, h.copy()

    def step(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One step for a batch: tokens [B] -> logits [B, V], style logits [B, S], h, c."""
        tokens = np.asarray(tokens, np.int64)
        if self._numpy is not None and len(tokens) == 1:
            return self._numpy.step(tokens, h, c)
        logits, style, h, c = self._session.run(None, {"token": tokens[None] if self.sequence else tokens,
                                                       "h": h, "c": c})
        return logits, style, h, c

    def run(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Several steps for a batch: tokens [T, B] -> the outputs after the last of them
        (one call of a sequence graph; step by step for a single-step one)."""
        tokens = np.asarray(tokens, np.int64)
        if not len(tokens):
            raise ValueError("Model.run needs at least one step of tokens")
        if self.sequence:
            logits, style, h, c = self._session.run(None, {"token": tokens, "h": h, "c": c})
            return logits, style, h, c
        for row in tokens:
            logits, style, h, c = self.step(row, h, c)
        return logits, style, h, c
