"""The app under the server's real Content-Security-Policy: it draws, opens detail views and uploads, with no violation.

The other browser tests bypass the policy (Playwright's string predicates need eval);
this one keeps it and waits with CSS selectors only.
"""

from __future__ import annotations

import pytest

from tests.server.images import png

pytestmark = pytest.mark.browser
_DRAWN = "body[data-drawn]:not([data-drawn=''])"


def test_the_app_runs_under_its_content_security_policy(browser, server_url, tmp_path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # CSP enforced
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        response = page.goto(server_url + "?model=gray&image=sample_1")
        assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_selector(_DRAWN, timeout=20_000)
        page.click("canvas.map[data-layer='conv_1_1'][data-channel='0']")
        page.wait_for_selector(".detail[data-ready='true']:not([hidden])", timeout=10_000)
        page.keyboard.press("Escape")
        upload = tmp_path / "upload.png"
        upload.write_bytes(png(30, 30, seed=9, mode="L"))
        page.set_input_files("input[type=file]", str(upload))
        page.wait_for_selector("body[data-drawn^='gray/']:not([data-drawn='gray/sample_1'])", timeout=20_000)
        assert problems == [], problems
    finally:
        context.close()
