"""End to end: both shared corpora imported and indexed, queried through a running gunicorn app."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow

# Paraphrases, not title copies: few or none of the answer's distinctive words appear in them.
PARAPHRASES = {
    "court in Bishkek orders reporters held before trial": "kyrgyzstan-immediately-cease-harassment-independent-media",
    "leader of striking doctors seized from his home in Harare": "873189810",
    "conference in Vienna backs a ban on autonomous weapons": "resounding-support-killer-robots-treaty",
    "army veterans sent out of the United States over drug convictions":
        "us-drug-linked-deportations-soar-despite-state-reforms",
    "Palestinian security forces beat demonstrators after a critic died in custody": "992295713",
}


@pytest.mark.parametrize(("query", "expected"), PARAPHRASES.items())
def test_paraphrased_queries_find_the_answer_in_the_top_3(live_server: str, query: str, expected: str) -> None:
    response = httpx.get(f"{live_server}/api/search", params={"q": query, "k": 10}, timeout=30)
    assert response.status_code == 200
    top = [r["id"] for r in response.json()["results"][:3]]
    assert expected in top, f"{query!r}: got {top}"


def test_the_running_app_serves_the_page_health_and_errors(live_server: str) -> None:
    health = httpx.get(f"{live_server}/healthz", timeout=10).json()
    assert health["index_loaded"] and health["documents"] == 887
    page = httpx.get(live_server, params={"q": "travel bans on Chinese defenders"}, timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    bad = httpx.get(f"{live_server}/api/search", params={"q": "x", "k": "0"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["ok"] is False
