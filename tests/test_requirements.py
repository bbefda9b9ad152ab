"""The gate every test that needs Chromium, Playwright, Node or Fashion-MNIST goes through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import requirements


def test_a_missing_requirement_skips_with_what_and_how_to_install_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="^Thing is missing; install it with: apt-get install thing$"):
        requirements.require(False, "Thing", "apt-get install thing")


@pytest.mark.parametrize("value", ["true", "True", "1", "yes"])
def test_a_missing_requirement_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="^Thing is missing; install it with: apt-get install thing .*CI"):
        requirements.require(False, "Thing", "apt-get install thing")


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_ci_set_to_false_or_empty_is_not_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert not requirements.in_ci()


def test_a_present_requirement_passes_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert requirements.require(True, "Thing", "apt-get install thing") is None


@pytest.mark.parametrize(
    ("name", "attribute", "missing", "words"),
    [
        (
            "chromium",
            "CHROMIUM",
            Path("/no/such/chromium"),
            "Chromium at /no/such/chromium is missing; install it with: apt-get install chromium",
        ),
        ("node", "NODE", None, "Node.js (node on PATH) is missing; install it with: apt-get install nodejs"),
        ("fashion_mnist", "FASHION_MNIST", Path("/no/such/folder"), "Fashion-MNIST at /no/such/folder is missing"),
    ],
)
def test_each_gate_fails_under_ci_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, name: str, attribute: str, missing: Path | None, words: str
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(requirements, attribute, missing)
    with pytest.raises(pytest.fail.Exception) as info:
        getattr(requirements, name)()
    assert str(info.value).startswith(words)
