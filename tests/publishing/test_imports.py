"""ClaimReview in: feeds, pages with JSON-LD and files from other fact-checkers, read strictly;
bad items are reported with what is wrong and where, the rest imported once."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.core.management import call_command

from core.support import answer, http_server, migrated_instance, sqlite_template
from kiemchung.publishing import imports
from kiemchung.publishing.claimreview_parse import parse_claim_review
from kiemchung.publishing.models import ClaimReviewSource, ExternalFactCheck


def review(n: int, **changes) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://factcheck.example/vi/{n}",
        "claimReviewed": f"Nhận định số {n}: tỏi sống chữa khỏi cúm",
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5,
                         "worstRating": 1, "alternateName": "Sai"},
        "author": {"@type": "Organization", "name": "Báo Kiểm Chứng",
                   "url": "https://factcheck.example/"},
        "datePublished": "2025-03-0" + str(1 + n % 9),
        "itemReviewed": {"@type": "Claim",
                         "appearance": [{"@type": "CreativeWork",
                                         "url": f"https://social.example/post/{n}"}]},
        "inLanguage": "vi",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def datafeed(*items: dict) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "dateCreated": "2025-03-01", "item": [item]}
            for item in items
        ],
    }


@pytest.fixture
def source(team):
    return ClaimReviewSource.objects.create(
        workspace=team.workspace, name="Báo Kiểm Chứng", kind="feed",
        url="https://factcheck.example/feed.json",
    )


def test_datafeed_reviews_become_external_fact_checks(source):
    report = imports.document_import(source=source, text=json.dumps(datafeed(review(1),
                                                                              review(2))))

    assert report.summary() == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0,
                                "error": ""}
    first = ExternalFactCheck.objects.get(url="https://factcheck.example/vi/1")
    assert first.claim_reviewed == "Nhận định số 1: tỏi sống chữa khỏi cúm"
    assert (first.rating_label, first.rating_value, first.best_rating) == ("Sai", 1.0, 5.0)
    assert first.publisher_name == "Báo Kiểm Chứng"
    assert first.publisher_url == "https://factcheck.example/"
    assert first.appearance_url == "https://social.example/post/1"
    assert str(first.date_published) == "2025-03-02"
    assert first.workspace_id == source.workspace_id and first.source == source
    assert first.attribution == "Kiểm chứng bởi Báo Kiểm Chứng"


def test_malformed_claimreview_reported_and_skipped(source):
    items = [
        review(1),
        review(2, claimReviewed=None),
        review(3, url="ftp://factcheck.example/3"),
        review(4, datePublished="hôm qua"),
        review(5, reviewRating={"ratingValue": "rất sai"}),
        review(6, author=None),
        review(7, itemReviewed={"appearance": [{"url": "không phải địa chỉ"}]}),
        review(8),
    ]
    report = imports.document_import(source=source, text=json.dumps(items))

    assert (report.created, report.skipped) == (2, 6)
    problems = {p.position: p for p in report.problems}
    assert problems["[1]"].errors == ("thiếu claimReviewed",)
    assert problems["[1]"].url == "https://factcheck.example/vi/2"
    assert "url không phải địa chỉ http(s) hợp lệ" in problems["[2]"].errors[0]
    assert "datePublished không phải ngày hợp lệ" in problems["[3]"].errors[0]
    assert "reviewRating.ratingValue phải là một số: 'rất sai'" in problems["[4]"].errors
    assert problems["[5]"].errors == ("thiếu author (hoặc publisher) có name",)
    assert "itemReviewed.appearance[0].url" in problems["[6]"].errors[0]
    assert set(ExternalFactCheck.objects.values_list("url", flat=True)) == {
        "https://factcheck.example/vi/1", "https://factcheck.example/vi/8"
    }


def test_several_problems_of_one_item_are_all_reported():
    found, errors = parse_claim_review(
        review(1, url=None, claimReviewed="  ", reviewRating=None, datePublished=None)
    )
    assert found is None
    assert errors == [
        "thiếu url",
        "claimReviewed phải là chuỗi không trống",
        "thiếu reviewRating",
        "thiếu datePublished",
    ]


def test_publisher_stands_in_for_a_missing_author(source):
    item = review(1, author=None, publisher={"@type": "Organization", "name": "Tạp chí X"})
    report = imports.document_import(source=source, text=json.dumps(item))
    assert report.created == 1
    assert ExternalFactCheck.objects.get().publisher_name == "Tạp chí X"


def test_reimport_updates_without_duplicates(source):
    text = json.dumps(datafeed(review(1), review(2)))
    imports.document_import(source=source, text=text)

    again = imports.document_import(source=source, text=text)
    assert again.summary()["unchanged"] == 2 and again.created == 0

    changed = review(2, reviewRating={"@type": "Rating", "alternateName": "Gây hiểu lầm"})
    third = imports.document_import(source=source, text=json.dumps(datafeed(review(1), changed,
                                                                             review(3))))
    assert (third.created, third.updated, third.unchanged) == (1, 1, 1)
    assert ExternalFactCheck.objects.count() == 3
    assert ExternalFactCheck.objects.get(url="https://factcheck.example/vi/2").rating_label == (
        "Gây hiểu lầm"
    )


PAGE = """<!doctype html><html><head>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "WebSite",
 "name": "Báo Kiểm Chứng"}</script>
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "Organization", "name": "Báo Kiểm Chứng"},
  %s
]}</script>
<script type="application/ld+json">{ không phải JSON </script>
</head><body><p>Bài kiểm chứng</p></body></html>"""


def test_page_json_ld_with_graph_is_read_and_a_broken_script_reported(team):
    page = PAGE % json.dumps(review(1)).replace("</", "<\\/")
    with http_server({"/bai-viet": lambda h: answer(h, 200, page.encode())}) as server:
        source = ClaimReviewSource.objects.create(
            workspace=team.workspace, name="Báo", kind="page", url=server.url("/bai-viet")
        )
        report = imports.source_import(source_id=source.pk)

    assert report.created == 1
    (problem,) = report.problems
    assert problem.position == "script[3]"
    assert problem.errors[0].startswith("JSON không hợp lệ")
    source.refresh_from_db()
    assert source.last_imported_at is not None
    assert source.last_report["created"] == 1
    assert source.last_report["problems"][0]["position"] == "script[3]"


def test_feed_that_cannot_be_fetched_is_reported_on_the_source(team):
    with http_server({}) as server:
        source = ClaimReviewSource.objects.create(
            workspace=team.workspace, name="Báo", kind="feed", url=server.url("/mat.json")
        )
        report = imports.source_import(source_id=source.pk)
    source.refresh_from_db()
    assert report.error == "Máy chủ trả lỗi 404"
    assert source.last_error == "Máy chủ trả lỗi 404"


def test_jsonl_file_is_imported_line_by_line(source):
    lines = [json.dumps(review(1)), "{ hỏng", json.dumps(review(2, datePublished=""))]
    report = imports.file_import(source=source, content="\n".join(lines).encode())
    assert report.created == 1
    assert [p.position for p in report.problems] == ["dòng 2", "dòng 3"]
    assert report.problems[1].errors == ("thiếu datePublished",)


def test_a_feed_item_that_is_not_a_claimreview_is_reported(source):
    feed = datafeed(review(1), {"@type": "NewsArticle", "url": "https://x.example/"})
    report = imports.document_import(source=source, text=json.dumps(feed))
    assert report.created == 1
    assert report.problems[0].position == "dataFeedElement[1].item[0]"
    assert report.problems[0].errors == ("@type không phải ClaimReview",)


def test_the_import_command_prints_a_json_summary_last(team, source, tmp_path, capsys):
    path = tmp_path / "claimreview.json"
    path.write_text(json.dumps([review(1), review(2, url=None)]), encoding="utf-8")

    call_command("import", "claimreview", str(path), "--workspace", "nhom", "--name", "Nhóm B")

    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary == {"sources": 1, "created": 1, "updated": 0, "unchanged": 0,
                       "skipped": 1, "failed_sources": 0}
    assert "thiếu url" in err
    assert ClaimReviewSource.objects.get(name="Nhóm B").kind == "file"


def test_the_import_command_from_cron_fetches_every_active_feed(tmp_path_factory, tmp_path):
    feed = json.dumps(datafeed(review(1), review(2))).encode()
    with http_server({"/feed.json": lambda h: answer(h, 200, feed, "application/json")}) as srv:
        instance = migrated_instance(sqlite_template(tmp_path_factory), tmp_path)
        instance.python(
            "from kiemchung.accounts.models import Workspace\n"
            "from kiemchung.publishing.models import ClaimReviewSource\n"
            "ws = Workspace.objects.create(name='Nhóm', slug='nhom')\n"
            f"ClaimReviewSource.objects.create(workspace=ws, name='A', kind='feed', "
            f"url='{srv.url('/feed.json')}')\n"
            f"ClaimReviewSource.objects.create(workspace=ws, name='B', kind='feed', "
            f"url='{srv.url('/tat.json')}', is_active=False)\n"
            "print('[]')"
        )
        done = subprocess.run(
            instance.command("import", "claimreview"), env=instance.env, cwd=instance.var_dir,
            capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"sources": 1, "created": 2, "updated": 0, "unchanged": 0,
                       "skipped": 0, "failed_sources": 0}
    assert "nhom: A" in done.stderr
    assert instance.sqlite("select count(*) from publishing_externalfactcheck") == [(2,)]


def test_sources_are_managed_by_admins_through_the_pages(client, team, tmp_path):
    client.force_login(team.editor)
    assert client.get("/newsroom/claimreview/").status_code == 403

    client.force_login(team.admin)
    upload = tmp_path / "reviews.jsonl"
    upload.write_text("\n".join(json.dumps(review(n)) for n in (1, 2)), encoding="utf-8")
    with upload.open("rb") as handle:
        response = client.post("/newsroom/claimreview/upload/",
                               {"up-name": "Báo Kiểm Chứng", "up-file": handle})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 mới" in page
    assert "Kiểm chứng bởi Báo Kiểm Chứng" in page
    assert ExternalFactCheck.objects.filter(workspace=team.workspace).count() == 2
