#!/usr/bin/env bash
# Refreshes the English catalog of the interface and compiles it.
#
# The interface's source language is Vietnamese: every msgid is Vietnamese, and
# src/kiemchung/locale/en/LC_MESSAGES/django.po holds the English of each one. The compiled
# django.mo is committed next to it, because a machine with only Python (no gettext tools)
# must still show English.
#
# When tests/test_i18n.py fails because the catalog is out of date or incomplete (new or
# changed strings in templates or Python code):
#   1. bash scripts/messages.sh          # adds the new msgids to django.po, compiles django.mo
#   2. fill in every empty msgstr in django.po, and review and clear any "#, fuzzy" entry
#      (msgmerge marks its guesses for changed strings as fuzzy; they are not used until cleared)
#   3. bash scripts/messages.sh          # compiles the translations into django.mo
#   4. commit both django.po and django.mo
#
# Needs GNU gettext (xgettext, msgmerge, msgfmt: `apt-get install gettext`).
# makemessages scans the current directory, so it runs from src/kiemchung: only the package is
# scanned, never .venv or the tests. compilemessages also runs from there, so it compiles this
# catalog and not the ones of the installed packages.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KIEMCHUNG="${KIEMCHUNG:-$ROOT/.venv/bin/kiemchung}"
PO="locale/en/LC_MESSAGES/django.po"
export KIEMCHUNG_VAR_DIR="${KIEMCHUNG_VAR_DIR:-${TMPDIR:-/tmp}/kiemchung-messages}"
mkdir -p "$KIEMCHUNG_VAR_DIR"

for tool in xgettext msgmerge msgfmt; do
  if ! command -v "$tool" >/dev/null; then
    echo "messages.sh: $tool not found; install GNU gettext (apt-get install gettext)" >&2
    exit 1
  fi
done

cd "$ROOT/src/kiemchung"
"$KIEMCHUNG" makemessages --locale=en --domain=django --no-location --no-obsolete \
  --ignore=.venv --ignore=static --ignore=text/data

# makemessages rewrites POT-Creation-Date on every run; when nothing else changed, keep the
# committed file as it was so the run leaves no diff.
if git -C "$ROOT" ls-files --error-unmatch "src/kiemchung/$PO" >/dev/null 2>&1 \
  && git -C "$ROOT" diff --quiet -I '^"POT-Creation-Date: ' -- "src/kiemchung/$PO"; then
  git -C "$ROOT" checkout -- "src/kiemchung/$PO"
fi

"$KIEMCHUNG" compilemessages --locale=en --ignore=.venv

msgfmt --check --statistics --output-file=/dev/null "$PO"
