"""Scoring weights: the one reviewed file (dbt_project/seeds/scoring_weights.csv), and
its optional derivation from AHP (层次分析法) pairwise comparison matrices.

An AHP file maps a parent node to its children and a pairwise matrix: entry [i][j] says
how much more important child i is than child j (Saaty's 1-9 scale; [j][i] = 1/[i][j]).
The weights are the principal eigenvector, normalised to sum to 1. A matrix whose
consistency ratio CR = CI / RI is 0.1 or more is refused, naming it, where
CI = (lambda_max - n) / (n - 1) and RI is Saaty's random index for n.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from orchestration.settings import DBT_PROJECT_DIR

WEIGHTS_SEED = DBT_PROJECT_DIR / "seeds" / "scoring_weights.csv"
#: names of the overall node, dimensions and sub-dimensions (the framework's own)
NODE_NAMES_SEED = DBT_PROJECT_DIR / "seeds" / "score_nodes.csv"
#: names of the indicators: the catalogue is their one home
CATALOG_SEED = DBT_PROJECT_DIR / "seeds" / "seed_indicator_catalog.csv"
#: how far from 1 a parent's children's weights may sum: the scoring_weights GX suite's
#: tolerance (expectations/scores/scoring_weights.json), which is what refuses a run
SUM_TOLERANCE = 1e-6
WEIGHTS_HEADER = ("level", "node_id", "parent_id", "weight")
MAX_CONSISTENCY_RATIO = 0.1
# Saaty's random consistency index by matrix size.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45}
_RECIPROCAL_TOLERANCE = 1e-6


class AhpError(ValueError):
    """A pairwise matrix that cannot be used; the message names it."""


@dataclass(frozen=True)
class AhpResult:
    parent: str
    children: tuple[str, ...]
    weights: tuple[float, ...]
    consistency_ratio: float


def ahp_weights(parent: str, children: list[str], matrix: list[list[float]]) -> AhpResult:
    n = len(children)
    values = np.asarray(matrix, dtype=float)
    if values.shape != (n, n):
        raise AhpError(f"AHP matrix '{parent}': {values.shape} does not match {n} children")
    if n > max(RANDOM_INDEX):
        raise AhpError(f"AHP matrix '{parent}': at most {max(RANDOM_INDEX)} children")
    if (values <= 0).any():
        raise AhpError(f"AHP matrix '{parent}': every judgement must be positive")
    if not np.allclose(values * values.T, 1.0, atol=_RECIPROCAL_TOLERANCE):
        raise AhpError(f"AHP matrix '{parent}': not reciprocal (a[j][i] must be 1 / a[i][j])")
    eigenvalues, eigenvectors = np.linalg.eig(values)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues.real[principal])
    vector = np.abs(eigenvectors[:, principal].real)
    weights = vector / vector.sum()
    consistency_index = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ratio = consistency_index / RANDOM_INDEX[n] if RANDOM_INDEX[n] else 0.0
    if ratio >= MAX_CONSISTENCY_RATIO:
        raise AhpError(
            f"AHP matrix '{parent}' is inconsistent: consistency ratio {ratio:.3f} "
            f">= {MAX_CONSISTENCY_RATIO}; revise its judgements"
        )
    return AhpResult(parent, tuple(children), tuple(float(w) for w in weights), ratio)


def read_weights(path: Path = WEIGHTS_SEED) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def weight_sums_by_parent(rows: list[dict[str, str]]) -> dict[str, float]:
    sums: dict[str, float] = {}
    for row in rows:
        if row["parent_id"]:
            sums[row["parent_id"]] = sums.get(row["parent_id"], 0.0) + float(row["weight"])
    return sums


@dataclass
class WeightNode:
    """A node of the weight tree, as scoring_weights.csv configures it, with its names."""

    node_id: str
    level: str
    weight: float
    name_zh: str | None
    name_en: str | None
    children: list[WeightNode] = field(default_factory=list)

    @property
    def children_sum(self) -> float | None:
        """The sum of the children's weights; None for a leaf (an indicator)."""
        return sum(child.weight for child in self.children) if self.children else None

    @property
    def children_sum_to_one(self) -> bool | None:
        total = self.children_sum
        return None if total is None else abs(total - 1.0) <= SUM_TOLERANCE

    def name(self, lang: str) -> str | None:
        return self.name_zh if lang == "zh" else self.name_en

    def walk(self) -> list[WeightNode]:
        """This node and every node under it, parents before children."""
        return [self, *(node for child in self.children for node in child.walk())]


def _names(path: Path, id_column: str) -> dict[str, tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row[id_column]: (row["name_zh"], row["name_en"]) for row in csv.DictReader(handle)}


def weight_tree(
    weights_path: Path | None = None,
    node_names_path: Path | None = None,
    catalog_path: Path | None = None,
) -> list[WeightNode]:
    """The weight tree: overall -> dimensions -> sub-dimensions -> indicators, in the
    weights file's order, each node with its names (score_nodes for the upper levels, the
    catalogue for indicators; None where neither names it). Returns the roots: one, the
    overall node, unless the file holds a row whose parent is missing (then that row is a
    root too, so the listing shows it rather than dropping it). The paths default to the
    seeds, looked up when called."""
    weights_path = weights_path or WEIGHTS_SEED
    node_names_path = node_names_path or NODE_NAMES_SEED
    catalog_path = catalog_path or CATALOG_SEED
    names = _names(node_names_path, "node_id") | _names(catalog_path, "indicator_id")
    rows = read_weights(weights_path)
    nodes = {
        row["node_id"]: WeightNode(
            row["node_id"],
            row["level"],
            float(row["weight"]),
            *names.get(row["node_id"], (None, None)),
        )
        for row in rows
    }
    roots = []
    for row in rows:
        parent = nodes.get(row["parent_id"]) if row["parent_id"] else None
        if parent is None:
            roots.append(nodes[row["node_id"]])
        else:
            parent.children.append(nodes[row["node_id"]])
    return roots


def apply_ahp(ahp_file: Path, weights_path: Path = WEIGHTS_SEED) -> list[AhpResult]:
    """Derive the children's weights of every parent in the AHP file and rewrite those
    rows of the weights file; every other row is kept as it is. All or nothing."""
    spec = yaml.safe_load(ahp_file.read_text(encoding="utf-8")) or {}
    results = [
        ahp_weights(parent, list(entry["children"]), entry["matrix"])
        for parent, entry in spec.items()
    ]
    rows = read_weights(weights_path)
    by_child = {(row["parent_id"], row["node_id"]): row for row in rows}
    for result in results:
        for child, weight in zip(result.children, result.weights, strict=True):
            row = by_child.get((result.parent, child))
            if row is None:
                raise AhpError(
                    f"AHP matrix '{result.parent}': '{child}' is not a child of "
                    f"'{result.parent}' in {weights_path.name}"
                )
            row["weight"] = f"{weight:.6f}"
    with weights_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, WEIGHTS_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return results
