"""Fact-checks other teams published, imported as ClaimReview, are in the matching index and
shown as theirs wherever matches are shown: under their publisher's name, with their rating,
their date and a link to their page, and never offered as a claim to merge into. Real model,
real database."""

from __future__ import annotations

import json
import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from tests.claims.matching_stories import GARLIC, MOTORBIKE, VACCINE, opened

from kiemchung.accounts import services as accounts_services
from kiemchung.claims import matching
from kiemchung.claims.models import Claim, MatchIndexState
from kiemchung.publishing import imports
from kiemchung.publishing.models import ClaimReviewSource, ExternalFactCheck

pytestmark = pytest.mark.usefixtures("index_in_tmp")

GARLIC_URL = "https://factcheck.example/vi/toi-song-phong-cum"
GARLIC_QUERY = "an toi song moi ngay phong duoc cum"
BANKNOTES_URL = "https://factcheck.example/vi/doi-tien"
BANKNOTES_CLAIM = "Ngân hàng Nhà nước sắp đổi tiền, tiền cũ hết giá trị từ năm sau"


def review(url: str, claim: str, *, rating: str = "Sai", publisher: str = "Báo Kiểm Chứng",
           published: str = "2025-03-02") -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim,
        "reviewRating": {"@type": "Rating", "alternateName": rating},
        "author": {"@type": "Organization", "name": publisher, "url": "https://factcheck.example/"},
        "datePublished": published,
    }


def garlic_review(**changes) -> dict:
    return review(GARLIC_URL, GARLIC, **changes)


def follow(workspace, name: str = "Báo Kiểm Chứng") -> ClaimReviewSource:
    return ClaimReviewSource.objects.create(
        workspace=workspace, name=name, kind="feed", url=f"https://{len(name)}.example/feed.json"
    )


def imported(source: ClaimReviewSource, *reviews: dict) -> imports.ImportReport:
    return imports.document_import(source=source, text=json.dumps(list(reviews)))


def external(url: str = GARLIC_URL, workspace=None) -> ExternalFactCheck:
    found = ExternalFactCheck.objects.filter(url=url)
    return (found.filter(workspace=workspace) if workspace is not None else found).get()


def search(workspace, text: str, **options):
    return matching.similar_records(workspace=workspace, text=text, external=True, **options)


def held(workspace) -> set[str]:
    with matching.workspace_index(workspace) as index:
        return set(index.ids())


def page(response) -> str:
    return response.content.decode()


def result_item(html: str, record: str) -> str:
    """The list item of one match, or "" when it is not shown."""
    found = re.search(rf'<li class="match[^"]*" data-record="{record}">(.*?)</li>', html, re.S)
    return found.group(1) if found else ""


def test_imported_claimreview_is_found_unaccented_with_publisher(team, client):
    imported(follow(team.workspace), garlic_review(), review(BANKNOTES_URL, BANKNOTES_CLAIM))
    opened(team, VACCINE)
    opened(team, MOTORBIKE)
    row = external()

    best = search(team.workspace, GARLIC_QUERY)[0]

    assert isinstance(best, matching.ExternalMatch)
    assert best.record_id == f"external:{row.pk}"
    assert best.kind == "external"
    assert best.decision in ("related", "same")
    assert best.publisher == "Báo Kiểm Chứng"
    assert best.attribution == "Kiểm chứng bởi Báo Kiểm Chứng"
    assert best.url == GARLIC_URL
    assert (best.rating, best.date, best.text) == ("Sai", date(2025, 3, 2), GARLIC)
    assert not best.is_open_claim
    # Without asking for them, a search gives the team's own records only, each with a claim.
    own = matching.similar_records(workspace=team.workspace, text=GARLIC_QUERY)
    assert all(isinstance(record, matching.SimilarRecord) for record in own)
    assert f"external:{row.pk}" not in [record.record_id for record in own]

    client.force_login(team.viewer)
    full = page(client.get("/claims/already-checked/", {"q": GARLIC_QUERY}))
    first = re.search(r'<li class="match[^"]*" data-record="([^"]+)">', full)
    assert first and first.group(1) == f"external:{row.pk}"
    shown = result_item(full, f"external:{row.pk}")
    assert "Bài kiểm chứng của nhóm khác" in shown
    assert re.search(
        rf'<a href="{GARLIC_URL}" rel="noopener noreferrer" class="external-attribution">'
        r"Kiểm chứng bởi Báo Kiểm Chứng</a>",
        shown,
    )
    assert '<span class="rating-badge">Sai</span>' in shown
    assert "02/03/2025" in shown
    assert 'href="/claims/' not in shown  # it is no claim of the team
    live = page(client.get("/claims/already-checked/", {"q": "toi song phong cum"},
                           HTTP_HX_REQUEST="true"))
    assert "<html" not in live
    assert "Kiểm chứng bởi Báo Kiểm Chứng" in result_item(live, f"external:{row.pk}")

    # What a team imported is its own reading: another team's search does not see it.
    client.force_login(team.outsider)
    theirs = page(client.get("/claims/already-checked/", {"q": GARLIC_QUERY}))
    assert "data-record" not in theirs


def test_external_factcheck_shown_as_external_and_not_mergeable(team, client):
    imported(follow(team.workspace), garlic_review())
    row = external()
    claim = opened(team, "Ăn tỏi sống hằng ngày sẽ phòng được bệnh cúm", by=team.checker)
    duplicate = opened(team, "Mỗi ngày ăn tỏi sống thì phòng được cúm")
    client.force_login(team.checker)

    similar = page(client.get(f"/claims/{claim.pk}/?part=similar", HTTP_HX_REQUEST="true"))

    shown = result_item(similar, f"external:{row.pk}")
    assert "Kiểm chứng bởi Báo Kiểm Chứng" in shown and f'href="{GARLIC_URL}"' in shown
    assert "<form" not in shown and "merge" not in shown
    assert f'id="merge-into-{duplicate.pk}"' in similar
    assert len(re.findall(r'id="merge-into-', similar)) == 1

    before = Claim.objects.count()
    typed = {"text": "an toi song moi ngay se phong duoc benh cum"}
    offered = page(client.post("/claims/new/", typed))

    assert 'id="duplicate-candidates"' in offered
    shown = result_item(offered, f"external:{row.pk}")
    assert "Kiểm chứng bởi Báo Kiểm Chứng" in shown and "Sai" in shown
    assert "merge_into" not in shown
    # Only the team's open claims are offered to merge into.
    offered_targets = set(re.findall(r'name="merge_into" value="(\d+)"', offered))
    assert str(duplicate.pk) in offered_targets
    assert offered_targets <= {str(claim.pk), str(duplicate.pk)}
    assert Claim.objects.count() == before

    created = client.post("/claims/new/", {**typed, "create_anyway": "1"})
    assert created.status_code == 302
    assert Claim.objects.count() == before + 1


def test_reimport_updates_the_index_without_duplicates(team):
    source = follow(team.workspace)
    imported(source, garlic_review(), review(BANKNOTES_URL, BANKNOTES_CLAIM))
    garlic, banknotes = external(), external(BANKNOTES_URL)
    records = {f"external:{garlic.pk}", f"external:{banknotes.pk}"}
    assert search(team.workspace, GARLIC_QUERY)[0].rating == "Sai"
    assert held(team.workspace) == records

    generation = MatchIndexState.objects.get(workspace=team.workspace).generation
    again = imported(source, garlic_review(), review(BANKNOTES_URL, BANKNOTES_CLAIM))
    assert again.unchanged == 2
    # Nothing changed, so nothing is read again.
    assert MatchIndexState.objects.get(workspace=team.workspace).generation == generation

    reworded = "Ăn tỏi sống mỗi ngày giúp phòng được bệnh cúm và cả Covid-19"
    changed = imported(
        source,
        review(GARLIC_URL, reworded, rating="Gây hiểu lầm"),
        review(BANKNOTES_URL, BANKNOTES_CLAIM),
    )

    assert (changed.updated, changed.created) == (1, 0)
    assert ExternalFactCheck.objects.count() == 2
    assert held(team.workspace) == records
    with matching.workspace_index(team.workspace) as index:
        assert index.text(f"external:{garlic.pk}") == reworded
    found = search(team.workspace, "an toi song phong cum va covid", k=10)
    ids = [record.record_id for record in found]
    assert ids[0] == f"external:{garlic.pk}"
    assert len(ids) == len(set(ids))
    assert (found[0].rating, found[0].text) == ("Gây hiểu lầm", reworded)

    # A process starting from the saved copy catches up to the same records.
    matching.forget_replicas()
    assert held(team.workspace) == records
    with matching.workspace_index(team.workspace) as index:
        assert index.text(f"external:{garlic.pk}") == reworded


def test_deleted_source_leaves_the_index(team):
    source = follow(team.workspace)
    imported(source, garlic_review(), review(BANKNOTES_URL, BANKNOTES_CLAIM))
    garlic, banknotes = external(), external(BANKNOTES_URL)
    others = follow(team.workspace, name="Tin Thật")
    other_url = "https://tinthat.example/toi-cum"
    imported(others, review(other_url, "Tỏi sống chữa được cúm", publisher="Tin Thật"))
    kept = external(other_url)
    assert f"external:{garlic.pk}" in held(team.workspace)

    imports.claimreview_source_delete(source=source, actor=team.admin)

    assert held(team.workspace) == {f"external:{kept.pk}"}
    found = [r.record_id for r in search(team.workspace, GARLIC_QUERY, k=10)]
    assert f"external:{garlic.pk}" not in found and f"external:{banknotes.pk}" not in found
    assert found[0] == f"external:{kept.pk}"
    matching.forget_replicas()
    assert held(team.workspace) == {f"external:{kept.pk}"}

    # A row gone without a word to the index is still never shown: results are read back
    # from the database.
    ExternalFactCheck.objects.filter(pk=kept.pk).delete()
    assert f"external:{kept.pk}" in held(team.workspace)
    assert search(team.workspace, GARLIC_QUERY, k=10) == []


def test_full_rebuild_holds_imported_factchecks(team):
    claim = opened(team, VACCINE)
    imported(follow(team.workspace), garlic_review())
    row = external()
    assert matching.workspace_records(team.workspace) == [
        (f"claim:{claim.pk}", VACCINE, {"kind": "claim", "claim": claim.pk})
    ]
    everything = matching.workspace_records(team.workspace, external=True)
    assert [rid for rid, _text, _meta in everything] == [f"claim:{claim.pk}", f"external:{row.pk}"]
    assert everything[1][2]["publisher"] == "Báo Kiểm Chứng"

    out = StringIO()
    call_command("reindex", workspace="nhom", stdout=out)

    assert "nhom: 2 records indexed" in out.getvalue()
    folder = matching.index_folder(team.workspace)
    marker = json.loads((folder / matching.MARKER).read_text())
    assert marker["records_version"] == matching.RECORDS_VERSION
    matching.forget_replicas()
    assert held(team.workspace) == {f"claim:{claim.pk}", f"external:{row.pk}"}

    # A copy saved before imported fact-checks were indexed is rebuilt, not trusted.
    (folder / matching.MARKER).write_text(json.dumps({**marker, "records_version": 1}))
    matching.forget_replicas()
    assert search(team.workspace, GARLIC_QUERY)[0].record_id == f"external:{row.pk}"


def test_api_returns_external_kind_with_publisher_and_url(team, client):
    imported(follow(team.workspace), garlic_review())
    row = external()
    opened(team, MOTORBIKE)
    _token, raw = accounts_services.api_token_create(member=team.member(team.checker), name="x")

    response = client.get(
        "/api/claims/already-checked",
        {"q": GARLIC_QUERY, "k": 3},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )

    assert response.status_code == 200, response.content
    best = response.json()["results"][0]
    assert best["id"] == f"external:{row.pk}"
    assert best["kind"] == "external"
    assert best["publisher"] == "Báo Kiểm Chứng"
    assert best["url"] == GARLIC_URL
    assert (best["rating"], best["date"], best["text"]) == ("Sai", "2025-03-02", GARLIC)
    assert best["claim_id"] is None and best["state"] is None
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["MatchOut"]
    assert "external" in schema["properties"]["kind"]["enum"]


def test_match_command_lists_external_factchecks_with_publisher(team):
    imported(follow(team.workspace), garlic_review())
    # Two teams following the same publisher: anyone's search lists its page once.
    imported(follow(team.other_workspace), garlic_review())
    row = external(workspace=team.workspace)
    out = StringIO()

    call_command("match", GARLIC_QUERY, workspace="nhom", stdout=out, stderr=StringIO())

    best = json.loads(out.getvalue().strip().splitlines()[-1])["results"][0]
    assert best["id"] == f"external:{row.pk}"
    assert (best["kind"], best["publisher"], best["url"]) == (
        "external", "Báo Kiểm Chứng", GARLIC_URL
    )
    assert best["date"] == "2025-03-02"

    out = StringIO()
    call_command("match", GARLIC_QUERY, stdout=out, stderr=StringIO())
    results = json.loads(out.getvalue().strip().splitlines()[-1])["results"]
    assert [r["url"] for r in results].count(GARLIC_URL) == 1
    assert results[0]["publisher"] == "Báo Kiểm Chứng"


def test_public_search_shows_imported_factcheck_under_its_publisher(team, client):
    imported(follow(team.workspace), garlic_review())

    html = page(client.get("/p/nhom/search/", {"q": GARLIC_QUERY}))

    found = re.search(r'<li class="card search-result search-result-external">(.*?)</li>',
                      html, re.S)
    assert found, "the imported fact-check is among the results"
    shown = found.group(1)
    assert f'<h3><a href="{GARLIC_URL}" rel="noopener noreferrer">{GARLIC}</a></h3>' in shown
    assert "Kiểm chứng bởi Báo Kiểm Chứng" in shown
    assert "Sai" in shown and "02/03/2025" in shown
    # The decision in words: the reader learns whether the verdict is about what they typed.
    assert "decision-same" in shown or "decision-related" in shown
