"""A researcher's path in headless Chromium against the real server: search, filter, page, similar.

Screenshots of the results page at desktop and phone widths go to test-output/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def test_search_filter_page_and_follow_similar(browser, live_server: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server + "/")
    page.fill("input[name=q]", "journalists arrested and detained")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("li.result")
    assert page.locator("svg.timeline-chart").count() == 1
    header = page.locator("h1.meta-line").inner_text()
    assert "releases match" in header, header  # the count of the whole relevant set, said in words

    country_link = page.locator("a[data-facet=country]").first
    country = country_link.locator(".facet-name").inner_text()
    expected = int(country_link.locator(".count").inner_text())
    country_link.click()
    page.wait_for_selector("li.result")
    assert parse_qs(urlparse(page.url).query)["country"] == [country]
    assert page.locator(".meta-line strong").inner_text() == str(expected)
    assert page.locator(f"a.chip:has-text('{country}')").count() == 1

    if expected <= 10:  # too few for a second page at the default size: ask for smaller pages
        page.goto(page.url + "&per_page=3")
    page.locator("nav.pager a", has_text="2").first.click()
    page.wait_for_selector("li.result")
    assert page.locator("nav.pager [aria-current=page]").inner_text() == "2"
    assert all(country in t for t in page.locator("li.result .meta").all_inner_texts())
    page.screenshot(path=str(OUTPUT / "results-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(OUTPUT / "results-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone layout scrolls sideways ({width} px)"
    page.set_viewport_size({"width": 1280, "height": 900})

    title = page.locator("li.result h2").first.inner_text()
    page.locator("a.similar-link").first.click()
    page.wait_for_selector("section.similar-page li.result")
    assert page.locator("section.similar-page h1").inner_text() == title
    page.screenshot(path=str(OUTPUT / "similar-desktop.png"), full_page=True)
    page.locator("section.similar-page li.result h2 a").first.click()
    page.wait_for_selector("section.provenance-box")
    page.screenshot(path=str(OUTPUT / "document-desktop.png"), full_page=True)

    # Nonsense finds nothing, and the page says so with hints instead of a list of unrelated releases.
    page.goto(live_server + "/?q=qwzx&country=China")
    page.wait_for_selector(".no-match")
    assert page.locator("li.result").count() == 0
    assert "No releases match" in page.locator("h1.meta-line").inner_text()
    assert "Check the spelling" in page.locator(".no-match").inner_text()
    assert page.locator(".no-match a", has_text="without the filters").count() == 1
    page.screenshot(path=str(OUTPUT / "no-match-desktop.png"), full_page=True)
    assert not errors, errors
