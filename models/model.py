"""The Continuo LSTM (torch only): a token language model with a jointly trained style head.

`ContinuoLSTM.forward` runs whole sequences for training; `step` is the single-step form the
ONNX export traces: (token, h, c) -> (logits, style_logits, h, c). Both use the same weights
and the same LSTM cell equations (PyTorch's gate order i, f, g, o).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from studio.core.encoding import STYLES, VOCAB_SIZE


@dataclass
class ModelConfig:
    vocab_size: int = VOCAB_SIZE
    n_styles: int = len(STYLES)
    embed: int = 160
    hidden: int = 384
    layers: int = 2
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class ContinuoLSTM(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed)
        self.lstm = nn.LSTM(config.embed, config.hidden, config.layers, batch_first=True,
                            dropout=config.dropout if config.layers > 1 else 0.0)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, config.vocab_size)
        self.style_head = nn.Linear(config.hidden, config.n_styles)

    def forward(self, tokens: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        """tokens [B, T] -> logits [B, T, V], style logits [B, T, S], (h, c)."""
        x = self.drop(self.embedding(tokens))
        out, state = self.lstm(x, state)
        out = self.drop(out)
        return self.head(out), self.style_head(out), state

    def step(self, token: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
        """One step for a batch: token [B] int64, h and c [layers, B, hidden]."""
        x = self.embedding(token)
        hs, cs = [], []
        for layer in range(self.config.layers):
            w_ih = getattr(self.lstm, f"weight_ih_l{layer}")
            w_hh = getattr(self.lstm, f"weight_hh_l{layer}")
            b = getattr(self.lstm, f"bias_ih_l{layer}") + getattr(self.lstm, f"bias_hh_l{layer}")
            gates = x @ w_ih.t() + h[layer] @ w_hh.t() + b
            i, f, g, o = gates.chunk(4, dim=-1)
            c_new = torch.sigmoid(f) * c[layer] + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
            hs.append(h_new)
            cs.append(c_new)
            x = h_new
        return self.head(x), self.style_head(x), torch.stack(hs), torch.stack(cs)

    def zero_state(self, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (self.config.layers, batch, self.config.hidden)
        return torch.zeros(shape), torch.zeros(shape)


def load_checkpoint(path, map_location="cpu") -> tuple[ContinuoLSTM, dict]:
    """Rebuild the model exactly as trained from a checkpoint that carries its arguments."""
    ckpt = torch.load(path, map_location=map_location, weights_only=False)
    model = ContinuoLSTM(ModelConfig(**ckpt["model_args"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt
