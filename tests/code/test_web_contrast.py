"""Colour contrast of the pages' stylesheet, computed from `web/static/app.css` itself.

axe-core (run by `test_web_browser.py`) checks only what a page happens to show; these tests cover every badge
and the focus ring, whether or not the test data draws them: text >= 4.5:1 (WCAG 1.4.3), focus ring >= 3:1
against the surfaces it is drawn on (1.4.11 / 2.4.13).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "src" / "denial_ml" / "web" / "static" / "app.css").read_text()


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", CSS, re.S)
    assert root is not None, "app.css has no :root block"
    found = re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", root.group(1))
    return {name: six_digits(value) for name, value in found}


def six_digits(colour: str) -> str:
    """#fff is #ffffff: each digit of a three-digit colour is doubled."""
    digits = colour.lstrip("#")
    return "#" + (digits if len(digits) == 6 else "".join(c * 2 for c in digits))


def resolve(value: str) -> str:
    value = value.strip()
    match = re.fullmatch(r"var\(--([\w-]+)\)", value)
    return variables()[match.group(1)] if match else six_digits(value)


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rule_value(selector_pattern: str, prop: str) -> str:
    """The value of `prop` in the first rule whose selector list matches `selector_pattern`."""
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        if re.search(selector_pattern, selectors):
            found = re.search(rf"(?:^|;|\s){prop}\s*:\s*([^;]+)", body)
            if found:
                return found.group(1).strip()
    raise AssertionError(f"no rule matching {selector_pattern!r} sets {prop}")


def test_contrast_of_known_pairs() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#d35400", "#ffffff") == pytest.approx(4.17, abs=0.01)  # the old urgent badge


@pytest.mark.parametrize("kind", ["sev-error", "past", "sev-warning", "soon", "urgent", "ok", "none"])
def test_every_badge_has_readable_white_text(kind: str) -> None:
    background = resolve(rule_value(rf"\.badge\.{kind}\b", "background"))
    assert contrast(background, "#ffffff") >= 4.5, f".badge.{kind} {background} on white text"


def test_the_focus_ring_stands_out_on_every_surface() -> None:
    ring = resolve(rule_value(r"(^|\s):focus-visible", "outline").split()[-1])
    for surface in ("bg", "panel"):
        assert contrast(ring, variables()[surface]) >= 3.0, f"focus ring {ring} on --{surface}"
    header_ring = resolve(rule_value(r"header\.top :focus-visible", "outline-color"))
    header = resolve(rule_value(r"header\.top\s*$", "background"))
    assert contrast(header_ring, header) >= 3.0, f"header focus ring {header_ring} on {header}"
