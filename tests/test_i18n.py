"""The English catalog of the interface: complete, current with the source and compiled; and the
language switch: Vietnamese by default whatever the browser asks, English once chosen.

The interface's source language is Vietnamese, so every msgid is Vietnamese. When a test here
fails because strings were added or changed, run `bash scripts/messages.sh`, translate the new
entries in src/kiemchung/locale/en/LC_MESSAGES/django.po, run the script again, and commit the
.po and the .mo.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

import kiemchung

PACKAGE_DIR = Path(kiemchung.__file__).resolve().parent
LC_MESSAGES = PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
HOW_TO_FIX = (
    "run `bash scripts/messages.sh`, translate the new entries in "
    "src/kiemchung/locale/en/LC_MESSAGES/django.po, run the script again and commit .po and .mo"
)
# The same folders scripts/messages.sh leaves out of makemessages.
NOT_SCANNED = ("static", "locale", "__pycache__")
NOT_SCANNED_PATHS = (Path("text") / "data",)


# --- a small reader of .po files (polib is not a dependency) ---------------------------------


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+\"(.*)\"\s*$")
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header included, obsolete (#~) ones marked as such."""
    entries: list[Entry] = []
    current: Entry | None = None
    seen: set[str] = set()  # the keywords the current entry already has
    target: tuple[str, int] | None = None

    def start(number: int) -> Entry:
        seen.clear()
        entries.append(Entry(line=number))
        return entries[-1]

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if not line or line.startswith(("#", "|")):
                continue
        elif line.startswith("#"):
            if current is None or seen:
                current, target = start(number), None  # a comment opens the next entry
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, text = keyword.groups()
            name = "msgstr" if name.startswith("msgstr") else name
            if (
                current is None
                or (name == "msgctxt" and seen)
                or (name == "msgid" and seen - {"msgctxt"})
            ):
                current = start(number)
            seen.add(name)
            current.obsolete = current.obsolete or obsolete
            text = _unescape(text)
            if name == "msgstr":
                slot = int(index) if index is not None else 0
                current.msgstr[slot], target = text, ("msgstr", slot)
            else:
                setattr(current, name, text)
                target = (name, 0)
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and current is not None and target is not None:
            text = _unescape(continuation.group(1))
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
            continue
        raise AssertionError(f"{path}:{number}: cannot read this line: {raw!r}")
    return [entry for entry in entries if entry.msgstr or entry.msgid or entry.msgctxt]


def messages(entries: list[Entry]) -> list[Entry]:
    """The live entries, header and obsolete ones left out."""
    return [e for e in entries if not e.is_header and not e.obsolete]


def header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.is_header)
    pairs = (line.split(":", 1) for line in header.msgstr.get(0, "").splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    assert PO_PATH.exists(), f"no English catalog at {PO_PATH}: {HOW_TO_FIX}"
    return read_po(PO_PATH)


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """Requests activate their language in this thread; later tests start from the default."""
    yield
    translation.deactivate()


# --- (a) the catalog is complete --------------------------------------------------------------


def test_catalog_header_says_english_in_utf8(catalog):
    header = next(e for e in catalog if e.is_header)
    fields = header_fields(catalog)
    assert fields.get("Language") == "en"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"


def test_catalog_has_no_untranslated_or_fuzzy_entry(catalog):
    entries = messages(catalog)
    assert len(entries) > 100, "the catalog looks truncated"
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    empty = [
        str(e)
        for e in entries
        if not e.msgstr
        or any(not text for text in e.msgstr.values())
        or (e.msgid_plural is not None and len(e.msgstr) < 2)
    ]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries ({HOW_TO_FIX}):\n" + "\n".join(fuzzy)
    assert not empty, f"{len(empty)} untranslated entries ({HOW_TO_FIX}):\n" + "\n".join(empty)


_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def test_translations_keep_placeholders_and_html(catalog):
    broken = []
    for entry in messages(catalog):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        for text in filter(None, entry.msgstr.values()):  # empty ones fail the test above
            if "python-format" in entry.flags and all(
                Counter(_PLACEHOLDER.findall(text)) != Counter(_PLACEHOLDER.findall(source))
                for source in sources
            ):
                broken.append(f"{entry} placeholders differ in {text!r}")
            if Counter(_TAG.findall(text)) != Counter(_TAG.findall(entry.msgid)):
                broken.append(f"{entry} HTML differs in {text!r}")
    assert not broken, "\n".join(broken)


# --- (b) the catalog is current ---------------------------------------------------------------


def _copy_sources(destination: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).resolve().relative_to(PACKAGE_DIR)
        return {
            name
            for name in names
            if name in NOT_SCANNED or name.startswith(".") or relative / name in NOT_SCANNED_PATHS
        }

    shutil.copytree(PACKAGE_DIR, destination, ignore=ignore)
    (destination / "locale").mkdir()


def test_catalog_has_every_string_of_the_source(catalog, tmp_path):
    missing_tools = [t for t in ("xgettext", "msguniq") if shutil.which(t) is None]
    if missing_tools:
        pytest.skip(
            f"GNU gettext is not installed ({', '.join(missing_tools)} missing), so makemessages "
            "cannot run here; the committed .po and .mo are still checked by the other tests"
        )
    copy = tmp_path / "kiemchung"
    _copy_sources(copy)
    committed_bytes = PO_PATH.read_bytes()
    env = {**os.environ, "KIEMCHUNG_VAR_DIR": str(tmp_path / "var")}
    # -P: the copy's folders (core, text, ...) must not shadow importable modules.
    command = [sys.executable, "-P", "-m", "kiemchung.cli", "makemessages", "--locale=en"]
    command += ["--domain=django", "--no-location", "--ignore=.venv"]
    result = subprocess.run(
        command, cwd=copy, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert PO_PATH.read_bytes() == committed_bytes, "makemessages wrote to the committed catalog"
    fresh = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert fresh.exists(), result.stdout + result.stderr
    found = messages(read_po(fresh))
    assert len(found) > 100, "makemessages found suspiciously few strings"
    known = {e.key for e in messages(catalog)}
    missing = [str(e.msgid) for e in found if e.key not in known]
    assert not missing, (
        f"{len(missing)} strings of the source are not in the catalog ({HOW_TO_FIX}):\n"
        + "\n".join(missing)
    )


# --- (c) the .mo is compiled from the current .po ---------------------------------------------


def test_mo_is_compiled_from_the_current_po(catalog):
    assert MO_PATH.exists(), f"no compiled catalog at {MO_PATH}: {HOW_TO_FIX}"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("language") == "en"
    assert compiled.charset() == "UTF-8"

    expected: dict[object, str] = {}
    for entry in catalog:
        if entry.obsolete or "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.is_header:  # msgfmt drops POT-Creation-Date, so it never stales the .mo
            expected[msgid] = re.sub(r"(?m)^POT-Creation-Date:.*\n", "", entry.msgstr[0])
        elif entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(msgid, index)] = text
    actual = dict(compiled._catalog)  # type: ignore[attr-defined]
    stale = sorted(repr(k) for k in expected.keys() ^ actual.keys())
    changed = sorted(repr(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    assert not stale and not changed, (
        "django.mo does not match django.po; run `bash scripts/messages.sh` and commit the .mo\n"
        + "\n".join(["entries in only one of them:", *stale, "translations differ:", *changed])
    )


def test_django_translates_with_the_committed_catalog():
    with translation.override("en"):
        assert translation.gettext("Đăng nhập") == "Log in"
        assert translation.gettext("Gây hiểu lầm") == "Misleading"
    with translation.override("vi"):
        assert translation.gettext("Đăng nhập") == "Đăng nhập"


# --- (d) the language switch through the test client -----------------------------------------


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def choose_english(client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_login_page_is_vietnamese_even_for_an_english_browser(client, team):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = page(response)
    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in html
    assert '<button type="submit">Đăng nhập</button>' in html
    assert "Tên đăng nhập hoặc e-mail" in html
    assert "Log in" not in html


def test_claim_list_is_vietnamese_even_for_an_english_browser(client, team):
    client.force_login(team.editor)
    html = page(client.get(reverse("claims:list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "<h1>Nhận định</h1>" in html
    assert "Thang kết luận" in html
    assert "Đăng xuất" in html
    assert "Rating scale" not in html


def test_login_page_is_english_once_chosen(client, team):
    choose_english(client)
    response = client.get(reverse("accounts:login"))
    html = page(response)
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert '<button type="submit">Log in</button>' in html
    assert "Username or email" in html
    assert "Forgot your password?" in html
    assert "Đăng nhập" not in html


def test_claim_list_is_english_once_chosen(client, team):
    client.force_login(team.editor)
    choose_english(client)
    html = page(client.get(reverse("claims:list")))
    assert "<h1>Claims</h1>" in html
    assert "Rating scale" in html
    assert "New claim" in html
    assert "Log out" in html
    assert "Thang kết luận" not in html


def test_choosing_vietnamese_again_switches_back(client, team):
    choose_english(client)
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Đăng nhập" in page(client.get(reverse("accounts:login")))


# --- (e) form errors follow the language too --------------------------------------------------


def test_empty_login_form_errors_are_vietnamese_by_default(client, db):
    response = client.post(
        reverse("accounts:login"), {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page(response)
    assert "Trường này là bắt buộc." in html
    assert "This field is required." not in html


def test_empty_login_form_errors_are_english_once_chosen(client, db):
    choose_english(client)
    html = page(client.post(reverse("accounts:login"), {"login": "", "password": ""}))
    assert "This field is required." in html
    assert "Trường này là bắt buộc." not in html
