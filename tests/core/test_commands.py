"""`kiemchung run` and `kiemchung worker`: every option explained, and refusals that say why."""

from __future__ import annotations

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import BaseCommand, CommandError


@pytest.mark.parametrize("name", ["run", "worker"])
def test_every_option_has_a_help_line(name):
    django_own = {a.dest for a in BaseCommand().create_parser("kiemchung", name)._actions}
    parser = load_command_class("kiemchung.core", name).create_parser("kiemchung", name)
    options = [a for a in parser._actions if a.dest not in django_own]
    assert options, f"kiemchung {name} declares no options"
    assert [a.dest for a in options if not a.help or len(a.help) < 15] == []


def test_the_worker_explains_that_inline_tasks_need_no_worker(settings):
    settings.TASKS_MODE = "immediate"
    with pytest.raises(CommandError, match="immediate runs every task inline"):
        call_command("worker", "--batch")


def test_the_worker_refuses_a_lease_too_short_to_renew(settings):
    settings.TASKS_MODE = "db"
    with pytest.raises(CommandError, match="--lease-seconds"):
        call_command("worker", "--batch", "--lease-seconds", "0.2")


def test_the_demo_prints_the_public_site_the_tipline_and_the_newsroom(db, settings, tmp_path):
    import io

    from kiemchung.claims import matching

    settings.VAR_DIR = tmp_path
    settings.MATCHING_INDEX_ROOT = tmp_path / "index"
    settings.HOST, settings.PORT = "0.0.0.0", 8000  # noqa: S104
    matching.forget_replicas()
    out = io.StringIO()

    call_command("seed_demo", "--offline", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(
        "Public site" in line and line.endswith("http://127.0.0.1:8000/p/demo/") for line in lines
    )
    tipline = "http://127.0.0.1:8000/tin/gui/demo/"
    assert any("Tipline" in line and line.endswith(tipline) for line in lines), "tipline is on"
    assert any(
        "Newsroom" in line and line.endswith("http://127.0.0.1:8000/accounts/login/")
        for line in lines
    )
    _a_believable_newsroom()
    again = io.StringIO()
    call_command("seed_demo", stdout=again)  # a second `make run` prints them too
    assert "http://127.0.0.1:8000/p/demo/" in again.getvalue()
    matching.forget_replicas()


def _a_believable_newsroom() -> None:
    """The demo is a newsroom on its first day, not an empty shell: its fact-checks cite web
    sources, a watched source fills the triage queue, the web tipline takes tips."""
    from kiemchung.claims.models import Evidence, EvidenceKind
    from kiemchung.monitoring.models import Item
    from kiemchung.publishing.selectors import public_factchecks, public_sources
    from kiemchung.tipline.models import Tip
    from kiemchung.tipline.selectors import web_channel

    for factcheck in public_factchecks().filter(claim__workspace__slug="demo"):
        assert len(public_sources(factcheck=factcheck)) >= 2, factcheck.title
    offline = Evidence.objects.filter(kind=EvidenceKind.URL, claim__workspace__slug="demo")
    assert offline.exists() and all(e.archive_error for e in offline), "--offline fetches nothing"
    items = Item.objects.filter(workspace__slug="demo")
    assert items.count() >= 8 and items.filter(priority__gt=0).exists()
    assert web_channel(workspace_slug="demo") is not None
    tips = Tip.objects.filter(workspace__slug="demo")
    assert {t.category for t in tips} >= {"check", "violation", "legal"}
    assert "ăn tỏi sống" in " ".join(t.text for t in tips)
