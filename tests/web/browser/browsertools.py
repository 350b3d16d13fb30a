"""Helpers for the browser tests: accessibility checks and screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[3]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"


def check_accessibility(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the current page."""
    if not AXE_JS.exists():
        pytest.fail("axe-core is not installed: run `make browser-deps` (npm ci)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )
    assert not bad, f"accessibility violations on {page.url}:\n{details}"


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot when ``QUIETLEGS_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("QUIETLEGS_SCREENSHOTS")
    if folder:
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)
