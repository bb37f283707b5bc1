"""Images: read the words in screenshots and photos offline, and know an image seen before.

Pure Python on Pillow and numpy, no Django: decoding with limits (`load`), pre-processing for
phone screenshots and photographed paper (`prepare`), the OCR engine behind a small protocol
(`ocr`), perceptual hashes and their search (`fingerprint`), the one look an app takes at an
image it keeps (`examine`), the project's own test images (`synth`) and the two benchmarks
(`bench`).
"""

from kiemchung.images.examine import Examined, image_examine
from kiemchung.images.fingerprint import HashIndex, hamming, image_hash
from kiemchung.images.load import ImageUnreadable, image_load
from kiemchung.images.ocr import (
    OcrEngine,
    OcrResult,
    TesseractEngine,
    default_engine,
    image_read_text,
)

__all__ = [
    "Examined",
    "HashIndex",
    "ImageUnreadable",
    "OcrEngine",
    "OcrResult",
    "TesseractEngine",
    "default_engine",
    "hamming",
    "image_examine",
    "image_hash",
    "image_load",
    "image_read_text",
]
