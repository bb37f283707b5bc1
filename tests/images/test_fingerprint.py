import random

import numpy as np
import pytest

from kiemchung.images import synth
from kiemchung.images.fingerprint import (
    MAX_DISTANCE,
    HashIndex,
    hamming,
    image_hash,
    kept_fingerprints,
)

from .conftest import SENTENCES


def _originals(count):
    return list(synth.originals(SENTENCES, count=count, seed=3))


def test_every_variant_finds_its_original_and_an_unrelated_image_nothing():
    images = _originals(4)
    index: HashIndex[int] = HashIndex()
    for n, image in enumerate(images[:3]):
        index.extend((n, f) for f in kept_fingerprints(image))
    face = synth.faces()[0]
    for n, image in enumerate(images[:3]):
        for kind in synth.VARIANTS:
            hits = index.image_search(synth.variant(image, kind, face), limit=1)
            assert hits and hits[0][0] == n, (n, kind, hits)
    assert index.image_search(images[3]) == []


def test_the_search_agrees_with_comparing_every_pair():
    rng = np.random.default_rng(1)
    stored = [rng.integers(0, 256, 64, dtype=np.uint8).tobytes() for _ in range(500)]
    index: HashIndex[int] = HashIndex()
    index.extend(enumerate(stored))
    probe = bytearray(stored[42])
    for position in random.Random(2).sample(range(512), 20):
        probe[position // 8] ^= 1 << (position % 8)
    wanted = sorted(
        (hamming(bytes(probe), s), n) for n, s in enumerate(stored)
        if hamming(bytes(probe), s) <= 200
    )[:5]
    assert [(n, d) for d, n in wanted] == index.search(bytes(probe), max_distance=200, limit=5)
    assert index.search(bytes(probe))[0] == (42, 20)
    assert index.distances(bytes(probe))[42] == 20


def test_a_fingerprint_is_512_bits_and_stable():
    image = _originals(1)[0]
    assert len(image_hash(image)) == 64
    assert hamming(image_hash(image), image_hash(image.copy())) == 0
    assert MAX_DISTANCE < 64


def test_rows_added_at_once_are_searched_as_rows_added_one_by_one():
    rng = np.random.default_rng(4)
    stored = [rng.integers(0, 256, 64, dtype=np.uint8).tobytes() for _ in range(300)]
    one_by_one: HashIndex[int] = HashIndex()
    one_by_one.extend(enumerate(stored))
    at_once: HashIndex[int] = HashIndex()
    at_once.add(-1, stored[7])  # rows added before are kept, in their order
    at_once.extend_packed(list(range(300)), b"".join(stored))
    at_once.extend_packed([], b"")

    assert len(at_once) == 301
    for probe in (stored[7], stored[250]):
        assert at_once.distances(probe)[1:].tolist() == one_by_one.distances(probe).tolist()
    assert at_once.search(stored[250], limit=1) == [(250, 0)]
    with pytest.raises(ValueError, match="one fingerprint per key"):
        at_once.extend_packed([1, 2], stored[0])
