"""The HTML report renders in a headless browser and the screenshot shows the charts.

Set DENIAL_ML_SCREENSHOT_DIR (e.g. `screenshots`, relative to the repo root) to keep the PNG; otherwise it
goes to the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from test_analytics_world import hand_world

from denial_ml.analytics.charts import PALETTE
from denial_ml.analytics.render import render_html
from denial_ml.analytics.report import build_report

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")


def _screenshot_dir(tmp_path: Path) -> Path:
    wanted = os.environ.get("DENIAL_ML_SCREENSHOT_DIR")
    if not wanted:
        return tmp_path
    folder = Path(wanted) if Path(wanted).is_absolute() else ROOT / wanted
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pixels_near(image: np.ndarray, hex_color: str, tolerance: float = 0.06) -> int:
    rgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(image[:, :, :3] - rgb).max(axis=2) < tolerance).sum())


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium_with_charts(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(hand_world())), encoding="utf-8")
    shot = _screenshot_dir(tmp_path) / "denial-report.png"
    shot.unlink(missing_ok=True)
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",  # parallel test workers must not share a profile
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists(), f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-500:]}"

    image = imread(shot)
    assert image.shape[:2] == (2000, 1280)
    not_white = (image[:, :, :3] < 0.95).any(axis=2).mean()
    assert not_white > 0.03, f"screenshot is nearly blank ({not_white:.1%} non-white pixels)"
    # The preventable-denial bars are drawn in PALETTE[3] (red) and the category bars in PALETTE[0] (blue):
    # thousands of pixels of each mean the SVG charts were drawn, not just the text.
    assert _pixels_near(image, PALETTE[3]) > 5_000
    assert _pixels_near(image, PALETTE[0]) > 5_000
