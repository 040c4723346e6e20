"""A researcher's path in headless Chromium against the real server: search, filter, page, open a
result and come back, similar releases; keyboard and screen-reader checks with axe-core; the phone layout.

Screenshots of the results page at desktop and phone widths go to test-output/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # pinned in package.json; `make axe` installs it
OUTPUT = ROOT / "test-output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUERY = "journalists arrested and detained"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FIRST_RESULT = "li.result h2 a"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def new_page(browser, viewport: dict[str, int] = DESKTOP, scheme: str = "light"):
    """A fresh page; CSP bypassed only so that the test can inject axe-core (the app runs no script)."""
    return browser.new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True).new_page()


@pytest.fixture(scope="module")
def urls(live_server: str) -> dict[str, str]:
    """The pages to check: a search narrowed by its top country, a document opened from it, …"""
    import httpx

    body = httpx.get(live_server + "/api/search", params={"q": QUERY, "k": 1}, timeout=60).json()
    country = max(body["facets"]["country"].items(), key=lambda item: item[1])[0]
    args = {"q": QUERY, "country": country}
    first = httpx.get(live_server + "/api/search", params={**args, "k": 1}, timeout=60).json()["results"][0]
    doc_id = first["id"]
    return {
        "home": "/",
        "results with filters": f"/?{urlencode(args)}",
        "document": f"/documents/{doc_id}?{urlencode(args)}",
        "similar": f"/documents/{doc_id}/similar",
        "no match": f"/?{urlencode({'q': 'qwzx', 'country': country})}",
        "not found": "/documents/no-such-release",
    }


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.0–2.2 A/AA rules on the page; its violations."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make axe` (npm ci)")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", {"runOnly": WCAG})


def describe(violations: list[dict]) -> str:
    return "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}×: "
                     f"{', '.join(str(n['target']) for n in v['nodes'][:3])})" for v in violations)


def tabs_to_first_result(page) -> int:
    """Tab presses from the search button until the first result's link has the focus."""
    page.focus("form.searchbox button")
    for presses in range(1, 100):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector('{FIRST_RESULT}')"):
            return presses
    raise AssertionError("the first result is never reached with Tab")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser, live_server: str, urls: dict[str, str],
                                             scheme: str) -> None:
    page = new_page(browser, scheme=scheme)
    found = {}
    for name, url in urls.items():
        page.goto(live_server + url)
        found[name] = axe_violations(page)
    serious = {name: [v for v in vs if v["impact"] in ("serious", "critical")] for name, vs in found.items()}
    report = "\n".join(f"{name}:\n{describe(vs)}" for name, vs in found.items() if vs)
    assert not any(serious.values()), f"axe-core ({scheme}) finds serious or critical violations:\n{report}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_first_result_is_three_tabs_from_the_search_button(browser, live_server: str,
                                                               urls: dict[str, str],
                                                               viewport: dict[str, int]) -> None:
    page = new_page(browser, viewport)
    page.goto(live_server + urls["results with filters"])
    assert tabs_to_first_result(page) <= 3
    # A skip link is the first stop on the page and lands on the results.
    page.goto(live_server + urls["results with filters"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"


def test_facets_dates_and_meaning_marks_read_well(browser, live_server: str, urls: dict[str, str]) -> None:
    page = new_page(browser)
    page.goto(live_server + urls["results with filters"])
    assert page.locator("h1").count() == 1
    link = page.locator("li:not(.selected) > a[data-facet=country]").first
    name, count = link.locator(".facet-name").inner_text(), link.locator(".count").get_attribute("data-count")
    assert page.evaluate("a => a.textContent.replace(/\\s+/g, ' ').trim()", link.element_handle()) == \
        f"{name}, {count} release{'' if count == '1' else 's'}"
    time = page.locator("li.result time").first
    assert time.get_attribute("datetime")[:4] in time.inner_text() and "-" not in time.inner_text()
    assert page.locator("#from").get_attribute("type") == "text"  # no mm/dd/yyyy date picker
    bars = page.locator("svg.timeline-chart a")
    assert bars.count() == page.locator("svg.timeline-chart a[tabindex='-1']").count() > 0  # no Tab stops…
    assert page.locator("#months table a").count() == bars.count()  # …the table has the same links
    if page.locator("mark.meaning").count():
        assert page.locator(".legend mark.meaning").count() == 1
        sign = "getComputedStyle(document.querySelector('mark.meaning'), '::before').content"
        assert page.evaluate(sign) != "none"  # a sign, not only a colour


def test_phone_has_filters_at_the_top_and_two_results_above_the_fold(browser, live_server: str,
                                                                      urls: dict[str, str]) -> None:
    page = new_page(browser, PHONE)
    page.goto(live_server + urls["results with filters"])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    second = page.locator("li.result").nth(1).bounding_box()
    assert second["y"] + second["height"] <= PHONE["height"], "two results do not fit above the fold"
    toggle = page.locator("a.jump[href='#filters']")
    assert toggle.bounding_box()["y"] < 200
    assert toggle.text_content().startswith(f"Filters ({page.locator('a.chip').count()}")
    assert not page.locator("svg.timeline-chart").is_visible()  # bars too thin to tap: caption and table stay
    toggle.click()
    page.locator("#filters a.back").click()
    assert urlparse(page.url).fragment == "results"
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "results-phone.png"))


def test_search_filter_page_and_follow_similar(browser, live_server: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page = new_page(browser)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server + "/")
    page.fill("input[name=q]", QUERY)
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("li.result")
    assert page.locator("svg.timeline-chart").count() == 1
    header = page.locator("h1.meta-line").inner_text()
    assert "releases match" in header, header  # the count of the whole relevant set, said in words

    country_link = page.locator("a[data-facet=country]").first
    country = country_link.locator(".facet-name").inner_text()
    expected = int(country_link.locator(".count").get_attribute("data-count"))
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
    results_url = page.url

    # Opening a result keeps the question: the box holds it, the passage is marked, "← results" goes back.
    title = page.locator(FIRST_RESULT).first.inner_text()
    page.locator(FIRST_RESULT).first.click()
    page.wait_for_selector("section.provenance-box")
    assert page.locator("article.document h1").inner_text() == title
    assert page.input_value("input[name=q]") == QUERY and urlparse(page.url).fragment == "match"
    match = page.locator("#match")
    assert match.get_attribute("tabindex") == "-1" and match.locator("mark").count() > 0
    assert match.is_visible() and match.bounding_box()["y"] < DESKTOP["height"]  # scrolled into view
    first = page.locator("article.document > p:not(.meta):not(.match-note)").first.inner_text()
    assert first.strip().casefold() != title.strip().casefold()  # the title is not repeated as the first line
    page.screenshot(path=str(OUTPUT / "document-desktop.png"), full_page=True)
    page.locator("p.back a").click()
    page.wait_for_selector("li.result")
    assert parse_qs(urlparse(page.url).query) == parse_qs(urlparse(results_url).query)

    title = page.locator(FIRST_RESULT).first.inner_text()
    page.locator("a.similar-link").first.click()
    page.wait_for_selector("section.similar-page li.result")
    assert page.locator("section.similar-page h1").inner_text() == title
    page.screenshot(path=str(OUTPUT / "similar-desktop.png"), full_page=True)
    page.locator("section.similar-page li.result h2 a").first.click()
    page.wait_for_selector("section.provenance-box")

    # Nonsense finds nothing, and the page says so with hints instead of a list of unrelated releases.
    page.goto(live_server + "/?q=qwzx&country=China")
    page.wait_for_selector(".no-match")
    assert page.locator("li.result").count() == 0
    assert "No releases match" in page.locator("h1.meta-line").inner_text()
    assert "Check the spelling" in page.locator(".no-match").inner_text()
    assert page.locator(".no-match a", has_text="without the filters").count() == 1
    page.screenshot(path=str(OUTPUT / "no-match-desktop.png"), full_page=True)
    assert not errors, errors
