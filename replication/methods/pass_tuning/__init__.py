"""Pass-Tuning (P26: Chen et al., "Pass-Tuning: Towards Structure-Aware Parameter-Efficient
Tuning for Code Representation Learning", Findings of EMNLP 2023; code github.com/nchen909/Pass-Tuning).

The study keeps the code model frozen and uses a graph neural network over the code's AST
as a tunable prefix (its GAT variant is "pass tuning", with GCN and MLP-prefix ablations):
structure enters every layer's attention through the prefix key/values.

Ours: peft's prefix tuning whose prefix encoder is replaced by a graph-attention network
over an AST graph: nodes are the most frequent Python AST node types (one per prefix token),
edges join node types that stand as parent and child in functions mined from the standard
library, with learned node features; two residual GAT layers, then peft's two-layer MLP
maps each node to its key/value prefix in every layer. The difference, named: the study
builds the graph from each input's own AST (tree-sitter) at run time; the harness feeds
models token ids only, so our graph is the language's AST type graph, shared by all inputs.
"""
from __future__ import annotations

import ast
from collections import Counter

import torch
from torch import nn

from replication.methods import _calibration, _peft
from replication.methods.base import Method


def ast_type_graph(num_nodes: int, functions: int = 300) -> tuple[list[str], torch.Tensor]:
    """The `num_nodes` most frequent AST node types in mined code, and their parent-child
    adjacency (symmetric, with self-loops)."""
    nodes, edges = Counter(), Counter()
    for code in _calibration.code_snippets(functions):
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for parent in ast.walk(tree):
            nodes[type(parent).__name__] += 1
            for child in ast.iter_child_nodes(parent):
                edges[(type(parent).__name__, type(child).__name__)] += 1
    names = [n for n, _ in nodes.most_common(num_nodes)]
    index = {n: i for i, n in enumerate(names)}
    adjacency = torch.eye(len(names))
    for (a, b), _ in edges.items():
        if a in index and b in index:
            adjacency[index[a], index[b]] = adjacency[index[b], index[a]] = 1.0
    return names, adjacency


class GraphAttention(nn.Module):
    """One single-head GAT layer (Velickovic et al. 2018) over a fixed adjacency."""

    def __init__(self, dim: int):
        super().__init__()
        self.linear = nn.Linear(dim, dim, bias=False)
        self.source = nn.Parameter(torch.randn(dim) * 0.1)
        self.target = nn.Parameter(torch.randn(dim) * 0.1)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        h = self.linear(x)
        scores = nn.functional.leaky_relu((h @ self.source)[:, None] + (h @ self.target)[None, :], 0.2)
        scores = scores.masked_fill(adjacency == 0, float("-inf"))
        return nn.functional.elu(scores.softmax(-1) @ h)


class GraphPrefixEncoder(nn.Module):
    """Stands in for peft's PrefixEncoder: node features -> GAT -> MLP -> key/value prefixes."""

    def __init__(self, adjacency: torch.Tensor, token_dim: int, hidden: int, out_dim: int, layers: int):
        super().__init__()
        n = adjacency.shape[0]
        self.embedding = nn.Embedding(n, token_dim)          # node-type features (peft reads its device)
        self.gnn = nn.ModuleList(GraphAttention(token_dim) for _ in range(layers))
        self.transform = nn.Sequential(nn.Linear(token_dim, hidden), nn.Tanh(), nn.Linear(hidden, out_dim))
        self.register_buffer("adjacency", adjacency)

    def forward(self, prefix: torch.Tensor) -> torch.Tensor:
        x = self.embedding.weight
        for layer in self.gnn:
            x = x + layer(x, self.adjacency)
        return self.transform(x)[prefix]                       # (batch, tokens, layers * 2 * dim)


def apply(model, ctx, cfg):
    from peft import PrefixTuningConfig

    names, adjacency = ast_type_graph(cfg["num_virtual_tokens"])
    config = PrefixTuningConfig(task_type=_peft.task_type(ctx), num_virtual_tokens=len(names),
                                prefix_projection=True, encoder_hidden_size=cfg["encoder_hidden_size"])
    model = _peft.wrap(model, config)
    pc = model.peft_config[model.active_adapter]
    weight = model.get_input_embeddings().weight
    encoder = GraphPrefixEncoder(adjacency, pc.token_dim, cfg["encoder_hidden_size"],
                                 pc.num_layers * 2 * pc.token_dim, cfg["gnn_layers"])
    model.prompt_encoder[model.active_adapter] = encoder.to(device=weight.device)
    model.pass_tuning_nodes = names
    return model


def notes(ctx, cfg):
    out = ["one AST type graph shared by all inputs (the study builds each input's own AST graph)"]
    if ctx.architecture == "encoder-decoder":
        out.append("prefix in the decoder's self-attention only (peft's seq2seq prefix tuning); "
                   "the encoder and the cross-attention get none")
    return out


METHOD = Method(name="Pass-Tuning", library="peft+ours", apply=apply, check=_peft.check_soft_prompt, notes=notes,
                defaults={"num_virtual_tokens": 24, "encoder_hidden_size": 128, "gnn_layers": 2}, lr=1e-2)
