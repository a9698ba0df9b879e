"""Weights: one file whose children's weights sum to 1 under every parent, and the
optional AHP derivation that refuses an inconsistent matrix."""

from __future__ import annotations

import shutil

import pytest

from orchestration.weights import (
    WEIGHTS_SEED,
    AhpError,
    ahp_weights,
    apply_ahp,
    read_weights,
    weight_sums_by_parent,
)


def test_weights_sum_to_one_at_every_level():
    sums = weight_sums_by_parent(read_weights())
    assert {"overall", "UX", "OPS", "UX1"} <= set(sums)
    for parent, total in sums.items():
        assert total == pytest.approx(1.0, abs=1e-6), parent


def test_a_consistent_matrix_gives_its_exact_weights():
    # 1 : 2 : 4 judged perfectly consistently -> 4/7, 2/7, 1/7, CR 0
    result = ahp_weights("UX", ["a", "b", "c"], [[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]])
    assert result.weights == pytest.approx((4 / 7, 2 / 7, 1 / 7))
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_an_inconsistent_matrix_is_refused_naming_it():
    # a > b (9), b > c (9), yet c > a (9): wildly intransitive
    matrix = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(AhpError, match=r"AHP matrix 'OPS' is inconsistent: consistency ratio"):
        ahp_weights("OPS", ["a", "b", "c"], matrix)


def test_a_non_reciprocal_matrix_is_refused():
    with pytest.raises(AhpError, match="not reciprocal"):
        ahp_weights("UX", ["a", "b"], [[1, 3], [3, 1]])


def test_apply_ahp_rewrites_only_the_named_parents(tmp_path):
    weights = tmp_path / "scoring_weights.csv"
    shutil.copy(WEIGHTS_SEED, weights)
    ahp = tmp_path / "ahp.yml"
    ahp.write_text("overall:\n  children: [UX, OPS]\n  matrix: [[1, 3], [0.333333333, 1]]\n")
    before = {(r["parent_id"], r["node_id"]): r["weight"] for r in read_weights(weights)}
    apply_ahp(ahp, weights)
    after = {(r["parent_id"], r["node_id"]): r["weight"] for r in read_weights(weights)}
    assert float(after[("overall", "UX")]) == pytest.approx(0.75, abs=1e-6)
    assert float(after[("overall", "OPS")]) == pytest.approx(0.25, abs=1e-6)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {("overall", "UX"), ("overall", "OPS")}


def test_a_refused_matrix_leaves_the_weights_file_untouched(tmp_path):
    weights = tmp_path / "scoring_weights.csv"
    shutil.copy(WEIGHTS_SEED, weights)
    original = weights.read_bytes()
    ahp = tmp_path / "ahp.yml"
    ahp.write_text(
        "overall:\n  children: [UX, OPS]\n  matrix: [[1, 2], [0.5, 1]]\n"
        "UX:\n  children: [UX1, UX2, UX3]\n"
        "  matrix: [[1, 9, 0.111111111], [0.111111111, 1, 9], [9, 0.111111111, 1]]\n"
    )
    with pytest.raises(AhpError, match="'UX'"):
        apply_ahp(ahp, weights)
    assert weights.read_bytes() == original


def test_the_shipped_example_matrices_are_consistent():
    import yaml

    from orchestration.settings import DBT_PROJECT_DIR

    spec = yaml.safe_load((DBT_PROJECT_DIR / "weights" / "ahp.example.yml").read_text())
    for parent, entry in spec.items():
        result = ahp_weights(parent, entry["children"], entry["matrix"])
        assert sum(result.weights) == pytest.approx(1.0)
        assert result.consistency_ratio < 0.1
