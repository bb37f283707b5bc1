"""The newsroom on a phone: the claims list becomes one card per claim (the staff stylesheet's
`table.stack`, each cell naming its column), and a claim page with a long pasted link stays as
wide as the screen. Chromium measures the pages themselves in tests/browser/test_staff_inbox.py;
these check what the pages and the stylesheet promise it."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders

from claim_stories import claim_opened
from kiemchung.claims import services

LINK = "https://www.facebook.com/groups/hoi-suc-khoe/permalink/" + "1234567890" * 15


def _stylesheet() -> str:
    found = finders.find("kiemchung/app.css")
    assert isinstance(found, str)
    return Path(found).read_text(encoding="utf-8")


def _phone_rules(css: str) -> str:
    start = css.index("@media (max-width: 640px)")
    return css[start : css.index("\n}\n", start)]


def test_the_claims_list_is_a_stack_table_whose_cells_name_their_column(client, team):
    claim_opened(team, text="Giá xăng sẽ tăng gấp đôi vào tháng tới", topic="kinh tế")
    client.force_login(team.checker)

    html = client.get("/claims/all/").content.decode()

    table = re.search(r'<table class="stack">(.*?)</table>', html, re.S)
    assert table, "the claims list is a stack table"
    headers = re.findall(r'<th scope="col">([^<]+)</th>', table.group(1))
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table.group(1), re.S)
    assert row
    labels = re.findall(r'<td data-label="([^"]+)"', row.group(1))
    assert labels == headers and len(re.findall(r"<td\b", row.group(1))) == len(headers)


def test_the_stylesheet_stacks_tables_and_wraps_pasted_links_on_a_phone():
    css = _stylesheet()
    phone = _phone_rules(css)
    assert "table.stack tr" in phone and "attr(data-label)" in phone
    assert re.search(r"table\.stack thead \{[^}]*position: absolute", phone)
    # Cards (the claim page's appearances, evidence, discussion) break a long link anywhere.
    wrap = re.search(r"^([^{}]*\.card[^{}]*)\{[^}]*overflow-wrap: anywhere", css, re.M)
    assert wrap, "cards wrap long words"


def test_a_long_link_on_the_claim_page_sits_in_a_card(client, team):
    claim = claim_opened(team, text="Nước lá ổi chữa khỏi tiểu đường")
    services.appearance_add(claim=claim, actor=team.checker, url=LINK, platform="Facebook")
    client.force_login(team.checker)

    html = client.get(f"/claims/{claim.pk}/").content.decode()

    section = re.search(r'<section class="card" id="appearances".*?</section>', html, re.S)
    assert section and LINK[:60] in section.group(0)
