"""The text layer takes whatever people type: no input makes it fail, and its promises hold."""

from __future__ import annotations

from hypothesis import given
from tests.fuzz.strategies import any_text

from kiemchung.text.keyfacts import key_facts
from kiemchung.text.keyfacts_compare import conflicts, shared
from kiemchung.text.neardup import near_duplicate_key
from kiemchung.text.normalize import content_hash, fold, fold_aligned, normalize
from kiemchung.text.restore import restore_diacritics
from kiemchung.text.social import clean_post
from kiemchung.text.tokenize import folded_terms, tokenize


@given(any_text)
def test_normalize_gives_one_clean_line_and_is_stable(text):
    once = normalize(text)
    assert "\n" not in once and "\x00" not in once
    once.encode("utf-8")  # no lone surrogate survives
    assert normalize(once) == once
    assert content_hash(text) == content_hash(once)


@given(any_text)
def test_folding_keeps_offsets_and_drops_diacritics(text):
    assert len(fold_aligned(text)) == len(text)
    assert fold(fold(text)) == fold(text)


@given(any_text, any_text)
def test_key_facts_read_any_text_and_compare_without_failing(a, b):
    facts_a, facts_b = key_facts(a), key_facts(b)
    conflicts(facts_a, facts_b)
    shared(facts_a, facts_b)
    assert conflicts(facts_a, facts_a) == []


@given(any_text)
def test_the_rest_of_the_text_layer_reads_any_text(text):
    clean_post(text)
    tokenize(text)
    folded_terms(text)
    near_duplicate_key(text)
    restore_diacritics(text)
