"""The story every test starts from: a workspace with an admin, an editor, a checker, a viewer,
and an outsider who belongs to another workspace."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (PROJECT_ROOT.parent / "shared" / "data").resolve()

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared_data(relative: str) -> Path:
    """A file of the shared Vietnamese data set; skips the test when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (a fresh clone has no ../shared)")
    return path


@dataclass
class Team:
    workspace: object
    admin: object
    editor: object
    checker: object
    checker2: object
    viewer: object
    outsider: object
    other_workspace: object

    def member(self, user: object) -> object:
        from kiemchung.accounts.models import Member

        return Member.objects.get(workspace=self.workspace, user=user)


@pytest.fixture
def team(db: None) -> Team:
    return make_team()


def make_team() -> Team:
    """The team of every test, in the database Django is set up on (also used by scripts that
    build the same story in another database)."""
    from django.contrib.auth import get_user_model

    from kiemchung.accounts.models import Member, Workspace
    from kiemchung.claims.services import ratings_ensure_default

    User = get_user_model()
    ws = Workspace.objects.create(
        name="Nhóm Kiểm Chứng", slug="nhom", corrections_email="dinhchinh@example.org"
    )
    other = Workspace.objects.create(name="Nhóm khác", slug="khac")
    users = {}
    for name, role, where in [
        ("admin", "admin", ws),
        ("editor", "editor", ws),
        ("checker", "checker", ws),
        ("checker2", "checker", ws),
        ("viewer", "viewer", ws),
        ("outsider", "admin", other),
    ]:
        user = User.objects.create_user(
            username=name, email=f"{name}@example.org", password="mat-khau-dai-123"
        )
        Member.objects.create(workspace=where, user=user, role=role)
        users[name] = user
    ratings_ensure_default(workspace=ws)
    ratings_ensure_default(workspace=other)
    return Team(workspace=ws, other_workspace=other, **users)


@pytest.fixture(autouse=True)
def _fresh_cache() -> object:
    """Each test starts with empty caches, so neither login pauses nor kept public pages leak
    between tests."""
    from django.core.cache import caches

    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


@pytest.fixture(autouse=True)
def _default_language() -> object:
    """Each test ends in the site's default language: a request that chose another (a language
    cookie on the test client) leaves it active in the thread, and later tests would read
    their messages in it."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _quiet_pressure() -> object:
    """Each test starts with no webhook burst seen by this process (nor a remembered answer of
    the stored-burst probe)."""
    from kiemchung.core import pressure

    def quiet() -> None:
        pressure._arrivals.clear()
        pressure._working_until = 0.0
        pressure._stored_answer = (float("-inf"), False)

    quiet()
    yield
    quiet()


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Uploaded files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
