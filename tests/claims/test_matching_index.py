"""The matching index of a workspace follows the database: what is searched, how it is kept
current, saved, found stale and rebuilt, and the commands that use it. Real model, real
database; the texts are a handful of Vietnamese claims written for these tests."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tests.claims.matching_stories import (
    BANKNOTES,
    GARLIC,
    LEMON,
    MOTORBIKE,
    VACCINE,
    held,
    lemon_published,
    opened,
    publish,
    published,
    search,
)

from claim_stories import correction_approved, rating
from kiemchung.claims import matching, services
from kiemchung.claims.models import MatchIndexChange, MatchIndexState
from kiemchung.matching.cache import SqliteEmbeddingCache
from kiemchung.matching.index import INDEX_FORMAT

pytestmark = pytest.mark.usefixtures("index_in_tmp")


def ids(workspace, text, k=10):
    return [record.record_id for record in search(workspace, text, k=k)]


def test_unaccented_query_finds_published_factcheck(team):
    factcheck = lemon_published(team)
    opened(team, VACCINE)
    opened(team, MOTORBIKE)

    results = search(team.workspace, "uong nuoc chanh am moi sang chua khoi ung thu")

    best = results[0]
    assert best.record_id == f"factcheck:{factcheck.pk}"
    assert best.kind == "factcheck"
    assert best.decision in ("related", "same")
    assert best.decision == "same"
    assert all(best.score >= other.score for other in results[1:])
    assert best.rating == "Sai"
    assert best.date == factcheck.published_at
    assert best.url.endswith(f"/p/nhom/{factcheck.pk}/{factcheck.slug}/")
    # A published claim is found through its fact-check, never twice.
    assert f"claim:{factcheck.claim_id}" not in [r.record_id for r in results]


def test_index_follows_publish_correction_delete_and_merge(
    team, django_capture_on_commit_callbacks
):
    workspace = team.workspace
    lemon = opened(team, LEMON, by=team.checker2)
    vaccine = opened(team, VACCINE)
    bike = opened(team, MOTORBIKE)
    bike_again = opened(team, "Hà Nội cấm xe máy xăng vào nội thành kể từ tháng tới")
    assert ids(workspace, "nuoc chanh chua ung thu")[0] == f"claim:{lemon.pk}"

    # Publish: the open claim gives way to its fact-check.
    factcheck = publish(
        team,
        lemon,
        title="Nước chanh ấm không chữa được ung thư",
        summary="Sai: không có nghiên cứu nào cho thấy nước chanh chữa được ung thư.",
    )
    found = ids(workspace, "nuoc chanh chua ung thu")
    assert found[0] == f"factcheck:{factcheck.pk}"
    assert f"claim:{lemon.pk}" not in found
    assert f"claim:{lemon.pk}" not in held(workspace)
    assert search(workspace, "nuoc chanh chua ung thu")[0].rating == "Sai"

    # Correction: the new rating and the new words are what the index holds.
    correction_approved(
        team,
        factcheck,
        note="Bổ sung: mật ong cũng không chữa được ung thư.",
        rating=rating(team, "Gây hiểu lầm"),
        summary="Gây hiểu lầm: nước chanh và mật ong tốt cho sức khỏe nhưng không chữa được "
        "ung thư.",
    )
    best = search(workspace, "mat ong chua ung thu")[0]
    assert best.record_id == f"factcheck:{factcheck.pk}"
    assert best.rating == "Gây hiểu lầm"
    with matching.workspace_index(workspace) as index:
        assert "mật ong" in index.text(f"factcheck:{factcheck.pk}")

    # Delete: the claim is gone from the index.
    vaccine_record = f"claim:{vaccine.pk}"
    assert vaccine_record in held(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_delete(claim=vaccine, actor=team.editor)
    assert vaccine_record not in ids(workspace, "vac xin covid gay vo sinh")
    assert vaccine_record not in held(workspace)

    # Merge: only the claim merged into is shown; the merged claim's wording stays in the
    # index as a known wording of it.
    services.claim_merge(source=bike_again, target=bike, actor=team.checker)
    found = ids(workspace, "cam xe may xang vao noi thanh Ha Noi")
    assert found[0] == f"claim:{bike.pk}"
    assert found.count(f"claim:{bike.pk}") == 1
    assert f"claim:{bike_again.pk}" not in found
    kept = {f"claim:{bike.pk}", f"claim:{bike_again.pk}", f"factcheck:{factcheck.pk}"}
    assert held(workspace) == kept

    # Another process starts from the saved copy and catches up from the recorded changes.
    state = MatchIndexState.objects.get(workspace=workspace)
    marker = json.loads((matching.index_folder(workspace) / matching.MARKER).read_text())
    assert marker["generation"] < state.generation
    matching.forget_replicas()
    assert ids(workspace, "cam xe may xang vao noi thanh Ha Noi")[0] == f"claim:{bike.pk}"
    assert vaccine_record not in ids(workspace, "vac xin covid gay vo sinh")
    assert held(workspace) == kept


def test_sync_task_saves_the_copy_and_prunes_old_changes(team, monkeypatch):
    monkeypatch.setattr(matching, "CHANGES_KEPT", 2)
    monkeypatch.setattr(matching, "SAVE_EVERY_CHANGES", 2)
    folder = matching.index_folder(team.workspace)
    claims = [opened(team, text) for text in (VACCINE, GARLIC)]

    assert matching.index_sync(workspace=team.workspace) == 2
    assert json.loads((folder / matching.MARKER).read_text())["generation"] == 2
    assert set(MatchIndexChange.objects.values_list("generation", flat=True)) == {1, 2}

    claims.append(opened(team, BANKNOTES))
    assert matching.index_sync(workspace=team.workspace) == 3
    # One change ahead of the saved copy is not worth seconds of writing...
    assert json.loads((folder / matching.MARKER).read_text())["generation"] == 2
    claims.append(opened(team, MOTORBIKE))
    assert matching.index_sync(workspace=team.workspace) == 4
    # ...two are.
    assert json.loads((folder / matching.MARKER).read_text())["generation"] == 4
    assert set(MatchIndexChange.objects.values_list("generation", flat=True)) == {3, 4}

    # A process whose copy is older than the changes kept rebuilds instead of guessing.
    matching.forget_replicas()
    marker = json.loads((folder / matching.MARKER).read_text())
    (folder / matching.MARKER).write_text(json.dumps({**marker, "generation": 1}))
    assert ids(team.workspace, "toi song phong cum")[0] == f"claim:{claims[1].pk}"
    with matching.workspace_index(team.workspace) as index:
        assert len(index) == len(claims)


def test_stale_index_is_rebuilt(team, caplog):
    claim = opened(team, GARLIC)
    assert ids(team.workspace, "an toi phong cum")[0] == f"claim:{claim.pk}"
    folder = matching.index_folder(team.workspace)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == INDEX_FORMAT

    # Written by another version of the index format.
    matching.forget_replicas()
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format": INDEX_FORMAT + 99}))
    with caplog.at_level(logging.WARNING, logger="kiemchung.claims.matching"):
        assert ids(team.workspace, "an toi phong cum")[0] == f"claim:{claim.pk}"
    assert "stale" in caplog.text
    assert json.loads((folder / "manifest.json").read_text())["format"] == INDEX_FORMAT

    # Records built another way.
    caplog.clear()
    matching.forget_replicas()
    marker = json.loads((folder / matching.MARKER).read_text())
    (folder / matching.MARKER).write_text(json.dumps({**marker, "records_version": 0}))
    with caplog.at_level(logging.WARNING, logger="kiemchung.claims.matching"):
        assert ids(team.workspace, "an toi phong cum")[0] == f"claim:{claim.pk}"
    assert "records version 0" in caplog.text

    # Built against another database (here: the same slug after the state was recreated),
    # even in a process that still holds its copy.
    caplog.clear()
    MatchIndexState.objects.filter(workspace=team.workspace).delete()
    with caplog.at_level(logging.WARNING, logger="kiemchung.claims.matching"):
        assert ids(team.workspace, "an toi phong cum")[0] == f"claim:{claim.pk}"
    assert "another database" in caplog.text
    marker = json.loads((folder / matching.MARKER).read_text())
    assert marker["epoch"] == str(MatchIndexState.objects.get(workspace=team.workspace).epoch)


class Interrupted(Exception):
    pass


def test_reindex_resumes_after_interruption(team, settings, tmp_path, capsys):
    settings.MATCHING_CACHE_PATH = tmp_path / "embeddings.sqlite"
    texts = [
        VACCINE,
        MOTORBIKE,
        GARLIC,
        BANKNOTES,
        "Uống nước dừa thay nước biển giúp chữa sốt xuất huyết",
        "Sân bay Long Thành sẽ mở cửa đón khách từ tháng Chín năm nay",
    ]
    for text in texts:
        opened(team, text)
    embedder = matching.shared_embedder()
    batches = []

    def stop_after_first_batch(done, total):
        batches.append(done)
        raise Interrupted

    before = embedder.computed
    with pytest.raises(Interrupted):
        matching.index_rebuild(
            workspace=team.workspace, progress=stop_after_first_batch, batch_size=2
        )
    first = embedder.computed - before
    assert batches == [2]
    assert first > 0

    out = StringIO()
    before = embedder.computed
    call_command("reindex", workspace="nhom", stdout=out)
    second = embedder.computed - before

    embedded = len(SqliteEmbeddingCache(settings.MATCHING_CACHE_PATH))
    assert first + second == embedded  # nothing was embedded twice
    assert 0 < second < embedded  # the second run only did what the first had not
    assert f"nhom: {len(texts)} records indexed" in out.getvalue()
    assert "index nhom" in capsys.readouterr().err  # the progress bar
    matching.forget_replicas()
    with matching.workspace_index(team.workspace) as index:
        assert len(index) == len(texts)

    before = embedder.computed
    call_command("reindex", stdout=StringIO())
    assert embedder.computed == before


def test_match_command_prints_json_last_line(team):
    factcheck = lemon_published(team)
    open_claim = opened(team, "Uống nước chanh nóng buổi sáng chữa được bệnh ung thư")
    other = published(
        team,
        BANKNOTES,
        title="Không có chuyện đổi tiền vào năm sau",
        summary="Sai: Ngân hàng Nhà nước khẳng định không có kế hoạch đổi tiền.",
    )
    out, err = StringIO(), StringIO()

    call_command(
        "match", "uong nuoc chanh chua ung thu", workspace="nhom", k=3, stdout=out, stderr=err
    )

    answer = json.loads(out.getvalue().strip().splitlines()[-1])
    assert answer["query"] == "uong nuoc chanh chua ung thu"
    found = {r["id"]: r for r in answer["results"]}
    assert {f"factcheck:{factcheck.pk}", f"claim:{open_claim.pk}"} <= set(found)
    assert found[f"factcheck:{factcheck.pk}"]["rating"] == "Sai"
    assert found[f"factcheck:{factcheck.pk}"]["url"].startswith("http")
    assert set(answer["results"][0]) >= {"id", "kind", "score", "text", "rating", "url"}
    assert "searching the index of nhom" in err.getvalue()

    # Without a workspace: what anyone may read, published fact-checks of every workspace.
    out = StringIO()
    call_command("match", "ngan hang doi tien", stdout=out, stderr=StringIO())
    answer = json.loads(out.getvalue().strip().splitlines()[-1])
    assert answer["results"][0]["id"] == f"factcheck:{other.pk}"
    assert {r["kind"] for r in answer["results"]} == {"factcheck"}

    with pytest.raises(CommandError, match="Hãy nhập nội dung"):
        call_command("match", "   ", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="nope"):
        call_command("match", "đổi tiền", workspace="nope", stdout=StringIO())


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [([""], None), (["  \n\t "], None), (["-"], "tiền " * 200_000), (["chanh", "--k", "0"], None)],
    ids=["empty", "whitespace", "one-megabyte-on-stdin", "k-zero"],
)
def test_match_command_refuses_bad_input_without_a_traceback(argv, stdin):
    kiemchung = Path(sys.executable).with_name("kiemchung")
    done = subprocess.run(
        [str(kiemchung), "match", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("CommandError:")
    assert done.stdout == ""
