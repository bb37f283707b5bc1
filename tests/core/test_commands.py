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
