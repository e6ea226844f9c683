"""hvplib.report: portable printed claims."""
import numpy as np
import pytest

from hvplib import report


@pytest.mark.parametrize("value, digits, text", [
    (19_209, 2, "19,000"), (19_101, 2, "19,000"), (20_915, 2, "21,000"), (1_497, 2, "1,500"),
    (0.04637, 3, "0.0464"), (-0.01483, 2, "-0.015"), (7, 2, "7"), (0, 2, "0"), (np.int64(15_863), 2, "16,000"),
    (np.float64(123.456), 4, "123.5"),
])
def test_approx_rounds_to_significant_figures(value, digits, text):
    assert report.approx(value, digits) == text


def test_approx_matches_numpy_rounding_at_many_scales():
    rng = np.random.default_rng(0)
    for value in rng.lognormal(0.0, 6.0, size=200):
        shown = float(report.approx(value, 3).replace(",", ""))
        np.testing.assert_allclose(shown, float(f"{value:.3g}"), rtol=1e-12)


def test_count_in_returns_the_claim_and_checks_it():
    assert report.count_in(23, 15, 30) == "15–30"
    assert report.count_in(15, 15, 30) == "15–30" and report.count_in(30, 15, 30) == "15–30"
    assert report.count_in(19_209, 18_000, 21_000) == "18,000–21,000"
    with pytest.raises(AssertionError, match="outside the claimed range"):
        report.count_in(31, 15, 30)
    with pytest.raises(AssertionError):
        report.count_in(14, 15, 30)


@pytest.mark.parametrize("value, text", [(1.3e-15, "< 1e-14"), (1.5e-14, "< 1e-13"), (2.46e-11, "< 1e-10"),
                                         (1e-10, "< 1e-09"), (9.99e-7, "< 1e-06"), (-3e-3, "< 1e-02"),
                                         (0.0, "0"), (250.0, "< 1e+03")])
def test_below_power_of_ten(value, text):
    assert report.below_power_of_ten(value) == text
    if value:
        assert abs(value) < float(text[2:]) <= 10 * abs(value)


@pytest.mark.parametrize("call", [
    lambda: report.approx("12"), lambda: report.approx(True), lambda: report.count_in(None, 0, 1),
    lambda: report.below_power_of_ten([1e-3]),
])
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: report.approx(float("nan")), "value"), (lambda: report.approx(1.0, 0), "digits"),
    (lambda: report.count_in(5, 10, 1), "low"), (lambda: report.below_power_of_ten(float("inf")), "value"),
    (lambda: report.count_in(float("nan"), 0, 1), "count"),
])
def test_bad_values_raise_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_below_checks_the_bound_and_prints_it():
    assert report.below(1.3e-15, 1e-12) == "< 1e-12" and report.below(-1.5e-14, 1e-12) == "< 1e-12"
    assert report.below(0.0, 1e-8) == "< 1e-08"
    with pytest.raises(AssertionError, match="not below"):
        report.below(2e-12, 1e-12)
    with pytest.raises(ValueError, match="bound"):
        report.below(1e-15, 0.0)
    with pytest.raises(ValueError, match="value"):
        report.below(float("nan"), 1.0)
