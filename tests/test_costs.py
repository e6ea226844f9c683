"""Tests for hvplib.costs: closed-form cost models (exact values) and the HVP timer."""
import autograd.numpy as anp
import numpy as np
import pytest

from hvplib import costs


def test_dense_hessian_memory():
    assert costs.dense_hessian_entries(10**6) == 10**12
    assert costs.dense_hessian_bytes(10**6) == 8 * 10**12                 # 8 TB
    assert costs.dense_hessian_bytes(10**3) == 8_000_000                  # 8 MB
    assert costs.dense_hessian_bytes(10**6, np.float32) == 4 * 10**12
    assert costs.dense_hessian_entries(4, symmetric=True) == 10
    assert costs.dense_hessian_bytes(10**4, symmetric=True) == 8 * 10**4 * 10001 // 2


def test_newton_step_flops_seed_numbers():
    assert costs.newton_step_flops(100) == 3_020_000                       # 400·5050 + 10⁶
    assert costs.newton_step_flops(10**4) == 1_020_002_000_000             # 400·50,005,000 + 10¹²
    ratio = costs.newton_step_flops(10**4) / costs.newton_step_flops(100)
    assert round(ratio, -2) == 337_700                                     # ≈ 3.377 × 10⁵
    assert costs.newton_step_flops(1, K=1) == 2
    assert isinstance(costs.newton_step_flops(10**4), int)


def test_direct_and_iterative_models():
    n = 5 * 10**5
    dense_product = 2.0 * n**2
    direct = costs.direct_newton_flops(n, dense_product)
    iterative = costs.iterative_newton_flops(n, dense_product, k=100)
    assert direct == pytest.approx(n * dense_product + n**3 / 3 + 2 * n**2, rel=1e-15)
    assert iterative == pytest.approx(100 * (dense_product + 10 * n), rel=1e-15)
    assert direct / iterative == pytest.approx(5833.0, rel=1e-3)           # thousands
    cheap = 60.0 * n
    assert costs.direct_newton_flops(n, cheap) / costs.iterative_newton_flops(n, cheap, 100) > 1e6
    assert costs.CG_VECTOR_FLOPS == 10


def test_direct_model_without_assembly_when_H_is_stored():
    n, k = 5 * 10**5, 100
    stored = costs.direct_newton_flops(n, 2.0 * n**2, assemble=False)
    assert stored == pytest.approx(n**3 / 3 + 2 * n**2, rel=1e-15)
    ratio = stored / costs.iterative_newton_flops(n, 2.0 * n**2, k)
    assert ratio == pytest.approx((n**3 / 3 + 2 * n**2) / (k * (2 * n**2 + 10 * n)), rel=1e-12)
    assert ratio == pytest.approx(n / (6 * k), rel=1e-2)                       # ≈ 8 × 10², not 5.8 × 10³
    with pytest.raises(TypeError, match="assemble"):
        costs.direct_newton_flops(n, 1.0, assemble="no")


@pytest.mark.parametrize("call", [
    lambda: costs.newton_step_flops(0),
    lambda: costs.newton_step_flops(10, K=0),
    lambda: costs.direct_newton_flops(10, -1.0),
    lambda: costs.iterative_newton_flops(10, 5.0, k=0),
    lambda: costs.dense_hessian_bytes(2.5),
])
def test_models_reject_bad_input(call):
    with pytest.raises((TypeError, ValueError)):
        call()


def test_median_time_calls_enough():
    calls = []
    t = costs.median_time(lambda: calls.append(1), repeat=3, min_time=1e-3)
    assert t > 0
    assert len(calls) > 3           # warm-up + 3 runs of several calls each (a call is ~100 ns)
    with pytest.raises(TypeError):
        costs.median_time(42)


def quadratic(x):
    return 0.5 * anp.sum(x**2) + anp.sum(x[1:] * x[:-1])


def test_time_hvp_methods_keys_and_table():
    x = np.linspace(-1, 1, 30)
    row = costs.time_hvp_methods(quadratic, x, repeat=2, min_time=1e-4, rng=1)
    assert row["n"] == 30
    for key in ("gradient", "forward_over_reverse", "reverse_over_reverse", "finite_difference",
                "explicit_hessian"):
        assert row[key] > 0
    assert set(row["ratios"]) == {"forward_over_reverse", "reverse_over_reverse", "finite_difference",
                                  "explicit_hessian"}
    assert row["ratios"]["forward_over_reverse"] == row["forward_over_reverse"] / row["gradient"]
    small = costs.time_hvp_methods(quadratic, x, v=np.ones(30), methods=("forward_over_reverse",),
                                   explicit=False, repeat=1, min_time=1e-4, threads=None)
    assert "explicit_hessian" not in small and set(small["ratios"]) == {"forward_over_reverse"}
    text = costs.timing_table([row, small], labels={"explicit_hessian": "explicit H"})
    lines = text.splitlines()
    assert "explicit H" in lines[0] and len(lines) == 4
    assert "–" in lines[3]
    assert costs.timing_table([]) == ""
    with pytest.raises(ValueError):
        costs.time_hvp_methods(quadratic, x, methods=("newton",))
    with pytest.raises(ValueError):
        costs.time_hvp_methods(quadratic, x, v=np.ones(3))


def test_blas_threads_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    with costs.blas_threads(1):
        assert all(i["num_threads"] == 1 for i in threadpoolctl.threadpool_info())
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before
    with costs.blas_threads(None):
        pass


def test_median_times_interleaves_and_checks():
    order = []
    out = costs.median_times({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
                             repeat=3, min_time=1e-9)
    assert set(out) == {"a", "b"} and all(t > 0 for t in out.values())
    # warm-ups a, b; then (a, b) three times, one call each (a call lasts far more than 1e-9 s)
    assert order == ["a", "b"] + ["a", "b"] * 3
    with pytest.raises(TypeError):
        costs.median_times({"a": 1})
    with pytest.raises(ValueError):
        costs.median_times({"a": lambda: None}, repeat=0)
