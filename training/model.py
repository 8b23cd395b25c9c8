"""The trainable model: one encoder (mean pooling) and one small head per signal.

A head is ``gelu(x @ w1 + b1) @ w2 + b2`` with exact (erf) GELU, on ``x = e`` (``self``) or
``x = [e, c, e * c, |e - c|]`` (``pair``), ``c`` being the embedding of the message answered
(zeros when there is none) — exactly what the run time computes from heads.npz.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModel, BertConfig, BertModel, PreTrainedModel

from training.tasks import HeadSpec

TINY_RANDOM = "tiny-random"  # a 2-layer, 32-wide random BERT for the smoke test


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def load_encoder(name: str, vocab_size: int, seed: int) -> PreTrainedModel:
    """The pretrained encoder at ``name`` (a folder), or a tiny random one for ``tiny-random``."""
    if name == TINY_RANDOM:
        torch.manual_seed(seed)
        config = BertConfig(
            vocab_size=vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=512,
        )
        return BertModel(config, add_pooling_layer=False)
    # float32 whatever the folder holds (a float16 copy travels to a GPU machine in half the bytes)
    return AutoModel.from_pretrained(str(Path(name))).float()


class Head(nn.Module):
    def __init__(self, in_dim: int, hidden: int, n_out: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(in_dim, hidden)
        self.act = nn.GELU()  # exact erf GELU, as at run time
        self.fc2 = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(self.dropout(x))))


def pair_features(e: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.cat([e, c, e * c, (e - c).abs()], dim=-1)


class MultiTaskModel(nn.Module):
    def __init__(
        self, encoder: PreTrainedModel, heads: list[HeadSpec], hidden: int, dropout: float
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.dim = int(encoder.config.hidden_size)
        self.specs = {h.name: h for h in heads}
        self.heads = nn.ModuleDict(
            {
                h.name: Head(self.dim * (4 if h.input == "pair" else 1), hidden, h.n_out, dropout)
                for h in heads
            }
        )

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return mean_pool(out.last_hidden_state, attention_mask)

    def head(self, name: str, e: torch.Tensor, c: torch.Tensor | None) -> torch.Tensor:
        if self.specs[name].input == "pair":
            x = pair_features(e, c if c is not None else torch.zeros_like(e))
        else:
            x = e
        return self.heads[name](x)

    def head_arrays(self) -> dict[str, np.ndarray]:
        """heads.npz: ``<head>.w1`` (in, hidden), ``.b1``, ``.w2`` (hidden, out), ``.b2``."""
        out: dict[str, np.ndarray] = {}
        for name, head in self.heads.items():
            assert isinstance(head, Head)
            for key, layer in (("1", head.fc1), ("2", head.fc2)):
                out[f"{name}.w{key}"] = layer.weight.detach().cpu().float().numpy().T.copy()
                out[f"{name}.b{key}"] = layer.bias.detach().cpu().float().numpy().copy()
        return out


class PooledEncoder(nn.Module):
    """What encoder.onnx computes: the attention-masked mean of the last hidden states."""

    def __init__(self, encoder: PreTrainedModel) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return mean_pool(out.last_hidden_state, attention_mask)


# --------------------------------------------------------------------------------------------
# training state: what a GPU machine sends back, to be exported and evaluated elsewhere

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def add_state_options(parser: argparse.ArgumentParser, saves: str, restores: str) -> None:
    """The options of training on one machine and finishing on another (train.py, distill.py):
    ``saves`` and ``restores`` say what --save-state writes and what --from-state skips to."""
    parser.add_argument(
        "--freeze-word-embeddings",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="keep the pretrained word-embedding table (float16-rounded) as it is",
    )
    parser.add_argument("--save-state", type=Path, default=None, help=saves)
    parser.add_argument("--from-state", type=Path, default=None, help=restores)


def base_word_embeddings(base: PreTrainedModel) -> torch.Tensor:
    """The pretrained word-embedding table rounded to float16: what a run with frozen word
    embeddings trains against, wherever the base model was read from (fp32 here, fp16 there)."""
    return base.get_input_embeddings().weight.detach().half().float()


def freeze_word_embeddings(encoder: PreTrainedModel, table: torch.Tensor) -> None:
    """Set the word-embedding table to ``table`` and exclude it from training."""
    weight = encoder.get_input_embeddings().weight
    with torch.no_grad():
        weight.copy_(table.to(weight.device))
    weight.requires_grad_(False)


def save_state(
    path: Path,
    encoder: PreTrainedModel,
    heads: dict[str, torch.Tensor] | None,
    frozen_word_embeddings: bool,
    record: dict[str, object],
) -> None:
    """The trained weights (encoder in float16, less the frozen word embeddings; heads in float32)
    and the run's record, in one file small enough to carry back from a GPU machine."""
    state = {
        k: v.detach().cpu().half()
        for k, v in encoder.state_dict().items()
        if not (frozen_word_embeddings and k == WORD_EMBEDDINGS) and v.is_floating_point()
    }
    torch.save(
        {
            "encoder": state,
            "heads": None if heads is None else {k: v.detach().cpu() for k, v in heads.items()},
            "frozen_word_embeddings": frozen_word_embeddings,
            "record": record,
        },
        path,
    )


def restore_state(path: Path, encoder: PreTrainedModel, base: PreTrainedModel) -> dict[str, object]:
    """Load ``save_state``'s file into ``encoder`` (word embeddings from ``base`` when they were
    frozen); returns the file's other fields."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    state = {k: v.float() for k, v in saved["encoder"].items()}
    if saved["frozen_word_embeddings"]:
        state[WORD_EMBEDDINGS] = base_word_embeddings(base)
    load_weights(encoder, state, path, "does not fit the encoder")
    return dict(saved)


def load_weights(
    model: torch.nn.Module, state: dict[str, torch.Tensor], source: Path, problem: str
) -> None:
    """Load ``state`` into ``model``, every weight accounted for (the position-ids buffer is the
    model's own); else exit naming ``source`` and ``problem``."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise SystemExit(f"{source}: {problem} (missing {missing}, extra {unexpected})")
