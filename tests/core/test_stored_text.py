"""What the worker stored in Vietnamese (a delivery refused, a feed that failed) reads in the
language the staff member chose, and what was not one of the product's messages stays as it was."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from tests.monitoring.stories import source
from tests.test_i18n import choose_english, page

from kiemchung.core.stored_text import in_reader_language


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_a_stored_message_is_translated_for_an_english_reader(english):
    assert in_reader_language("Tin báo đã bị xóa trước khi gửi.") == (
        "The tip was deleted before it could be sent."
    )


def test_filled_placeholders_are_kept_and_numbers_read_as_numbers(english):
    stored = "JSON không hợp lệ (dòng 3, cột 14): Expecting value"
    assert in_reader_language(stored) == "Invalid JSON (line 3, column 14): Expecting value"


def test_a_stored_message_inside_another_is_translated_too(english):
    stored = "Kênh đã tắt trước khi bài được gửi. (đã thử 3 lần)"
    assert in_reader_language(stored) == (
        "The outlet was turned off before the fact-check was sent. (after 3 attempts)"
    )


def test_words_that_are_not_a_message_of_the_product_stay_as_stored(english):
    platform_said = "(#200) Permissions error: the page token has expired"
    assert in_reader_language(platform_said) == platform_said
    assert in_reader_language("Nhóm ta chưa rõ nguyên nhân") == "Nhóm ta chưa rõ nguyên nhân"
    assert in_reader_language("") == ""


def test_vietnamese_readers_see_the_message_as_stored():
    with translation.override("vi"):
        assert in_reader_language("Tin báo đã bị xóa trước khi gửi.") == (
            "Tin báo đã bị xóa trước khi gửi."
        )


@pytest.mark.django_db
def test_the_sources_page_shows_a_feeds_stored_error_in_english(client, team):
    watched = source(team, name="Báo địa phương")
    watched.last_error = "JSON không hợp lệ (dòng 3, cột 14): Expecting value"
    watched.save(update_fields=["last_error"])
    client.force_login(team.admin)
    choose_english(client)
    html = page(client.get(reverse("monitoring:sources")))
    assert "Invalid JSON (line 3, column 14): Expecting value" in html
    assert "JSON không hợp lệ" not in html
