"""One LSTM step in numpy, from a float model's PyTorch-named weights: the engine's step when
the model file has them (models/continuo.onnx), onnxruntime's graph otherwise and for priming.

A step of a small LSTM at batch 1 is a few matrix-vector products, bound by how fast the
weights stream from memory; onnxruntime adds a fixed cost per node that is several times the
products' own time (tests/benchmarks/bench_engine.py). Here each layer is one BLAS product
and about ten array operations:

- the first layer's input projection (embedding times input weights, plus both biases) is a
  table with a row per token, computed once, so a step reads one row, not the whole matrix;
- each layer's weights for [input, hidden] are one matrix, gates ordered i, f, o, g, and the
  sigmoid gates' rows are halved, so one tanh serves all four (sigmoid(x) = (1 + tanh(x/2))/2);
- the output and style heads are one product.

The arrays are never written after construction, so any number of threads may step at once.
"""

from __future__ import annotations

import numpy as np

_TORCH_TO_IFOG = (0, 1, 3, 2)  # PyTorch's gate chunks i, f, g, o -> i, f, o, g


def _gates(a: np.ndarray, hidden: int) -> np.ndarray:
    """Rows (or entries) reordered to i, f, o, g with the sigmoid gates halved."""
    chunks = [a[k * hidden:(k + 1) * hidden] for k in _TORCH_TO_IFOG]
    return np.concatenate([c * 0.5 for c in chunks[:3]] + [chunks[3]], axis=0)


class NumpyStep:
    """step(tokens [B], h [L, B, H], c [L, B, H]) -> logits [B, V], style logits [B, S], h, c.

    Gates are computed as columns, [4H, B] = W [4H, in] @ inputs [in, B], the orientation in
    which BLAS streams each weight row once (the other one is about half as fast at batch 1)."""

    def __init__(self, weights: dict[str, np.ndarray], layers: int, hidden: int) -> None:
        self.layers, self.hidden = layers, hidden
        w = {k: np.asarray(v, np.float64) for k, v in weights.items()}  # folded in double precision
        bias = [_gates(w[f"lstm.bias_ih_l{i}"] + w[f"lstm.bias_hh_l{i}"], hidden) for i in range(layers)]
        # [vocab, 4H]: the embedding through layer 0's input weights, with layer 0's biases
        table = w["embedding.weight"] @ _gates(w["lstm.weight_ih_l0"], hidden).T + bias[0]
        self.table = table.astype(np.float32)
        self.recurrent0 = _gates(w["lstm.weight_hh_l0"], hidden).astype(np.float32)  # [4H, H]
        self.stacked = [np.concatenate(  # [4H, in + H] for layers 1...
            [_gates(w[f"lstm.weight_ih_l{i}"], hidden), _gates(w[f"lstm.weight_hh_l{i}"], hidden)],
            axis=1).astype(np.float32) for i in range(1, layers)]
        self.bias = [b.astype(np.float32)[:, None] for b in bias[1:]]
        self.vocab = len(w["head.bias"])
        # [V + S, H]: both heads as one product
        self.heads = np.concatenate([w["head.weight"], w["style_head.weight"]]).astype(np.float32)
        self.heads_bias = np.concatenate([w["head.bias"], w["style_head.bias"]]).astype(np.float32)[:, None]

    @property
    def step_bytes(self) -> int:
        """Bytes of weights one step reads (of the table, one row)."""
        arrays = [self.recurrent0, self.heads, self.heads_bias, *self.stacked, *self.bias]
        return sum(int(a.nbytes) for a in arrays) + int(self.table[0].nbytes)

    def _cell(self, z: np.ndarray, c: np.ndarray, h_out: np.ndarray, c_out: np.ndarray) -> None:
        """z [4H, B] -> the new cell and hidden state, into c_out and h_out ([H, B] views)."""
        hidden = self.hidden
        np.tanh(z, out=z)
        sig = z[:3 * hidden]
        sig *= 0.5
        sig += 0.5
        i, f, o, g = (z[k * hidden:(k + 1) * hidden] for k in range(4))
        np.multiply(f, c, out=c_out)
        i *= g
        c_out += i
        np.tanh(c_out, out=h_out)
        h_out *= o

    def step(self, tokens: np.ndarray, h: np.ndarray, c: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        h_out, c_out = np.empty_like(h, np.float32), np.empty_like(c, np.float32)
        z = self.recurrent0 @ h[0].T
        z += self.table[tokens].T
        self._cell(z, c[0].T, h_out[0].T, c_out[0].T)
        for i, (weights, bias) in enumerate(zip(self.stacked, self.bias, strict=True), start=1):
            z = weights @ np.concatenate([h_out[i - 1], h[i]], axis=1).T
            z += bias
            self._cell(z, c[i].T, h_out[i].T, c_out[i].T)
        out = self.heads @ h_out[-1].T
        out += self.heads_bias
        out = out.T
        return out[:, :self.vocab], out[:, self.vocab:], h_out, c_out
