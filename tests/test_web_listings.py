"""Every listing of interviews names each expert with their title and affiliation (issue 14, editors).

Search result cards, the home page, expert and tag listings, related interviews, and their
JSON twins (/api/search, /api/articles, /api/articles/<id>/related), through Flask's test
client over the sample corpus.  What a listing shows is checked against the interview's
own page data (/api/articles/<id>): the title it gives, and the affiliation its expert's
bio opens with (searchsvc/analysis/affiliation.py; the Atom feeds are in test_web_feeds.py).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from searchsvc.analysis.affiliation import affiliation

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class ExpertsShown(HTMLParser):
    """For each listed interview (a result card, or an item of the related list): its id and the
    experts it shows, as [name, title, affiliation] read the way a sighted reader sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cards: list[dict] = []
        self._stack: list[tuple[str, set[str], dict]] = []
        self._in_related = False

    def _inside(self, cls: str) -> bool:
        return any(cls in classes for _, classes, _ in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "aside" and "related" in classes:
            self._in_related = True
        if (tag == "article" and "hit" in classes) or (tag == "li" and self._in_related):
            self.cards.append({"id": None, "experts": []})
        if tag == "a" and self.cards and self.cards[-1]["id"] is None and (attrs.get("href") or "").startswith("/articles/"):
            self.cards[-1]["id"] = attrs["href"].split("/")[2].split("?")[0].split("#")[0]
        if tag == "span" and "expert" in classes:
            self.cards[-1]["experts"].append(["", "", ""])
        if tag not in VOID:
            self._stack.append((tag, classes, attrs))

    def handle_endtag(self, tag):
        if tag == "aside":
            self._in_related = False
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._inside("expert") or self._inside("visually-hidden") or any(
                a.get("aria-hidden") == "true" for _, _, a in self._stack):
            return
        expert = self.cards[-1]["experts"][-1]
        tag, classes, _ = self._stack[-1]
        if tag == "a":
            expert[0] += data
        elif "expert-role" in classes:
            expert[1] += data
        elif "affiliation" in classes:
            expert[2] += data


def listed(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = ExpertsShown()
    parser.feed(response.get_data(as_text=True))
    return parser.cards


@pytest.fixture(scope="module")
def interviews(make_app) -> dict[str, dict]:
    """Every sample interview's own data, by id."""
    client = make_app().test_client()
    ids = [h["id"] for h in client.get("/api/articles?per_page=50").get_json()["hits"]]
    return {i: client.get(f"/api/articles/{i}").get_json() for i in ids}


def as_the_interview_gives_them(article: dict) -> list[list[str]]:
    return [[e["name"], e["title"], affiliation(e["bio"])] for e in article["experts"]]


def test_the_samples_bios_all_name_a_workplace_first(interviews):
    """The rule finds an affiliation for every sample expert, and it is where their bio starts
    (after an academy honour, for an academician)."""
    for article in interviews.values():
        for expert in article["experts"]:
            found = affiliation(expert["bio"])
            first = expert["bio"].split("\n")[0]
            assert found and found in first and ("院士" in first[:first.index(found)] or first.startswith(found)), expert


@pytest.mark.parametrize("url", ["/search?q=&per_page=50", "/search?q=肺癌", "/", "/experts/林晓舟", "/tags/肺癌",
                                 "/tags/免疫治疗", "/search?q=irAE 心肌炎"])
def test_result_cards_and_listings_show_each_expert_with_title_and_affiliation(client, interviews, url):
    cards = listed(client, url)
    assert cards, url
    for card in cards:
        assert card["experts"] == as_the_interview_gives_them(interviews[card["id"]]), (url, card["id"])
    if url in ("/search?q=&per_page=50", "/search?q=irAE 心肌炎"):  # interviews with two experts, in their order
        assert any(len(card["experts"]) > 1 for card in cards)


def test_related_interviews_show_their_experts_title_and_affiliation(client, interviews):
    shown = 0
    for article_id in list(interviews)[:6]:
        related = [c for c in listed(client, f"/articles/{article_id}") if c["id"] != article_id]
        assert related, article_id
        for card in related:
            assert card["experts"] == as_the_interview_gives_them(interviews[card["id"]])
            shown += len(card["experts"])
    assert shown >= 6


def details_of(item: dict) -> list[list[str]]:
    assert [d["name"] for d in item["expert_details"]] == item["experts"]  # the names list stays, in step
    return [[d["name"], d["title"], d["affiliation"]] for d in item["expert_details"]]


@pytest.mark.parametrize("url", ["/api/search?q=&per_page=50", "/api/search?q=肺癌 免疫", "/api/articles?per_page=50",
                                 "/api/articles?expert=韦书衡", "/api/articles?tag=肺癌&per_page=50"])
def test_the_json_twins_give_name_title_and_affiliation_beside_the_names(client, interviews, url):
    hits = client.get(url).get_json()["hits"]
    assert hits
    for hit in hits:
        assert details_of(hit) == as_the_interview_gives_them(interviews[hit["id"]])


def test_related_json_gives_name_title_and_affiliation(client, interviews):
    for article_id in list(interviews)[:6]:
        for item in client.get(f"/api/articles/{article_id}/related").get_json()["related"]:
            assert details_of(item) == as_the_interview_gives_them(interviews[item["id"]])


def test_an_interview_gives_each_experts_affiliation_beside_the_bio(interviews):
    for article in interviews.values():
        for expert in article["experts"]:
            assert expert["affiliation"] == affiliation(expert["bio"]) != ""
