"""The worklist page keeps pace: claim search, sortable columns, per-person counts and "ranked as of"."""

from __future__ import annotations

import re

import pytest
from test_web_worklist import appeals, rows  # noqa: F401  (the signed-in appeals client fixture)

from denial_ml.store.queries import SORTS, ItemFilter
from denial_ml.web.worklist_view import read_filters


def test_search_finds_claims_by_part_of_their_id(appeals):  # noqa: F811
    client, store = appeals
    target = store.list_items(limit=120).items[17]
    page = client.get("/ui/worklist", params={"view": "all", "search": target.claim_id[-4:].lower()})
    found = [store.get_item(i).claim_id for i, _ in rows(page.text)]
    assert target.claim_id in found and all(target.claim_id[-4:] in c for c in found)
    assert f'value="{target.claim_id[-4:].lower()}"' in page.text  # the box keeps what was typed


@pytest.mark.parametrize("key", ["deadline", "odds", "denied", "claim", "payer"])
def test_a_column_header_sorts_by_its_key_and_a_second_click_reverses_it(appeals, key):  # noqa: F811
    client, store = appeals
    home = client.get("/ui/worklist", params={"view": "all"}).text
    link = re.search(rf'<a href="/ui/worklist\?([^"]*sort={key}[^"]*)">', home).group(1).replace("&amp;", "&")
    first = client.get(f"/ui/worklist?{link}")
    natural = SORTS[key][1]
    expected = store.list_items(ItemFilter(view="all"), limit=50, sort=key)
    assert [i for i, _ in rows(first.text)] == [item.id for item in expected.items]
    assert re.search(rf'aria-sort="{"descending" if natural else "ascending"}">\s*<a href="[^"]*sort={key}', first.text)
    again = re.search(rf'<a href="/ui/worklist\?([^"]*sort={key}[^"]*)">', first.text).group(1).replace("&amp;", "&")
    second = client.get(f"/ui/worklist?{again}")
    reversed_ = store.list_items(ItemFilter(view="all"), limit=50, sort=key, descending=not natural)
    assert [i for i, _ in rows(second.text)] == [item.id for item in reversed_.items]


def test_an_unknown_sort_is_named_and_ignored(appeals):  # noqa: F811
    client, store = appeals
    page = client.get("/ui/worklist", params={"view": "all", "sort": "colour"})
    assert page.status_code == 200 and "Sort: Input should be" in page.text
    assert [i for i, _ in rows(page.text)] == [item.id for item in store.list_items(limit=50).items]


def test_counts_per_person_and_ranked_as_of(appeals):  # noqa: F811
    client, store = appeals
    counts = store.assignee_counts(ItemFilter(view="open_work"))
    html = client.get("/ui/worklist").text
    listed = re.search(r'<ul class="inline" data-testid="assignee-counts">(.*?)</ul>', html, re.S).group(1)
    for who, n in counts.items():
        assert re.search(rf"{who or 'unassigned'}(</a>)?: <strong>{n}</strong>", listed), (who, n)
    ranked = store.ranked_as_of()
    assert f"Ranked as of {ranked:%Y-%m-%d %H:%M} UTC" in html


def test_read_filters_defaults_to_open_work_and_builds_sort_links():
    filters = read_filters({})
    assert filters.shown["view"] == "open_work" and filters.sort == "recovery"
    assert filters.aria_sort("recovery") == "descending" and filters.aria_sort("deadline") == "none"
    assert filters.sort_link("recovery") == "view=open_work&sort=recovery&order=asc"
    assert filters.sort_link("deadline") == "view=open_work&sort=deadline&order=asc"
    flipped = read_filters({"sort": "deadline", "order": "desc", "page": "2"})
    assert flipped.aria_sort("deadline") == "descending"
    assert flipped.sort_link("deadline") == "view=open_work&sort=deadline&order=asc"
    assert flipped.query == "view=open_work&sort=deadline&order=desc"
