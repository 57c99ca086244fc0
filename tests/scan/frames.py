"""Synthetic camera frames of a document's machine-readable zone, made at test time.

A frame is a data page (tinted paper, a guilloche, a photo box, printed labels, and the
MRZ in OCR-B from Debian's ``fonts-ocr-b``) seen by a phone camera: rotated up to ±5°,
in perspective, lit unevenly, with a glare spot, blurred, with sensor noise and JPEG
artefacts. ``hard`` frames are small and blurred: the reader may give up on them, but
must never accept a wrong reading.

    python -m tests.scan.frames OUT_DIR [--count N] [--hard] [--seed S]

writes ``OUT_DIR/NNN.jpg`` and ``OUT_DIR/NNN.txt`` (the lines the frame shows).
"""

from __future__ import annotations

import argparse
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from tests.scan.documents import Document, make

OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
FONTS = Path(__file__).resolve().parents[2] / "server" / "data" / "fonts"
ADVANCE = 144.59375 / 200  # OCR-B's advance width, in ems
FRAME = (1280, 720)
# The page around the MRZ, in character pitches (ICAO sizes over the 2.54 mm pitch).
PAGE = {
    "TD3": (49.2, 34.6),
    "MRVA": (47.2, 31.5),
    "TD2": (41.3, 29.1),
    "MRVB": (41.3, 31.5),
    "TD1": (33.7, 21.3),
}
LINE_PITCH = 1.67  # six lines to the inch
SUPERSAMPLE = 3


@dataclass(frozen=True)
class Frame:
    document: Document
    jpeg: bytes


@dataclass(frozen=True)
class Scene:
    """What the camera looks at for a moment: the page posed, lit and in or out of focus.
    Consecutive frames of one scene differ by sensor noise, a pixel of hand shake and
    compression, as a phone's do."""

    document: Document
    image: Image.Image
    blur: float
    noise: float
    quality: tuple[int, int]


def _font(size: float, name: str = "DejaVuSans-vi.ttf") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), max(6, round(size)))


def _page(document: Document, pitch: float, rng: random.Random) -> Image.Image:
    """The flat data page at ``pitch`` pixels per character."""
    width_p, height_p = PAGE[document.layout]
    size = (round(width_p * pitch), round(height_p * pitch))
    tint = tuple(rng.randint(200, 245) for _ in range(3))
    page = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(page)
    # A guilloche: fine coloured waves over the whole page.
    colour = tuple(max(0, c - rng.randint(25, 60)) for c in tint)
    for k in range(14):
        phase, amp = rng.random() * 6.3, pitch * rng.uniform(0.8, 2.5)
        y0 = size[1] * k / 14
        points = [(x, y0 + amp * math.sin(x / (pitch * 2.2) + phase)) for x in range(0, size[0], 3)]
        draw.line(points, fill=colour, width=max(1, round(pitch / 14)))
    # A photo box and printed labels and values above the MRZ.
    mrz_top = size[1] - (len(document.lines) * LINE_PITCH + 0.9) * pitch
    photo = (round(1.5 * pitch), round(4 * pitch), round(12 * pitch), round(mrz_top - pitch))
    draw.rectangle(photo, fill=tuple(rng.randint(90, 170) for _ in range(3)))
    cx, cy = (photo[0] + photo[2]) / 2, (photo[1] + photo[3]) / 2
    draw.ellipse(
        (cx - 3 * pitch, cy - 4 * pitch, cx + 3 * pitch, cy + 3 * pitch), fill=(70, 60, 55)
    )
    draw.text(
        (1.5 * pitch, 0.8 * pitch),
        "PASSPORT / PASSEPORT",
        font=_font(1.4 * pitch, "DejaVuSans-Bold-vi.ttf"),
        fill=(40, 40, 90),
    )
    label, value = _font(0.7 * pitch), _font(1.05 * pitch, "DejaVuSans-Bold-vi.ttf")
    y = 4 * pitch
    for caption in (
        "Surname / Nom",
        "Given names / Prénoms",
        "Nationality",
        "Date of birth",
        "Date of expiry",
    ):
        if y > mrz_top - 2.5 * pitch:
            break
        draw.text((13.5 * pitch, y), caption, font=label, fill=(90, 90, 110))
        draw.text(
            (13.5 * pitch, y + 0.8 * pitch),
            "".join(
                rng.choice("ABCDEFGHIKLMNOPRSTUVY 0123456789") for _ in range(rng.randint(5, 14))
            ),
            font=value,
            fill=(25, 25, 30),
        )
        y += 2.6 * pitch
    # The MRZ, left-aligned at the ICAO margin, one OCR-B character per pitch.
    font = ImageFont.truetype(str(OCRB), round(pitch / ADVANCE))
    ink = tuple(rng.randint(5, 40) for _ in range(3))
    left = (width_p - len(document.lines[0])) / 2 * pitch
    for row, line in enumerate(document.lines):
        top = mrz_top + (row * LINE_PITCH + 0.2) * pitch
        for col, char in enumerate(line):
            draw.text((left + col * pitch, top), char, font=font, fill=ink)
    return page


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 × 8: no numpy needed)."""
    n = len(vector)
    rows = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def _perspective(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """PIL's PERSPECTIVE coefficients mapping frame points ``dst`` to page points ``src``."""
    matrix, vector = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        vector += [u, v]
    return _solve(matrix, vector)


def render(document: Document, rng: random.Random, *, hard: bool = False) -> Frame:
    """One camera frame of ``document``."""
    return capture(scene(document, rng, hard=hard), rng)


def burst(
    document: Document,
    rng: random.Random,
    count: int,
    *,
    hard: bool = False,
    pitch: float | None = None,
) -> list[Frame]:
    """``count`` consecutive frames of one pose of ``document``."""
    posed = scene(document, rng, hard=hard, pitch=pitch)
    return [capture(posed, rng) for _ in range(count)]


def scene(
    document: Document, rng: random.Random, *, hard: bool = False, pitch: float | None = None
) -> Scene:
    """``document`` posed in front of the camera: placed, rotated, in perspective, lit.
    ``pitch`` (pixels per character) is drawn at random unless given."""
    pitch = pitch or (rng.uniform(7.0, 9.5) if hard else rng.uniform(12.0, 21.0))
    # Drawn three times larger and reduced, as a lens would: no font hinting at camera size.
    large = _page(document, pitch * SUPERSAMPLE, rng)
    page = large.resize(
        (round(large.width / SUPERSAMPLE), round(large.height / SUPERSAMPLE)),
        Image.Resampling.BOX,
    )
    w, h = page.size
    # The receptionist aims the MRZ into the guide: its middle lands near the frame's.
    rows = len(document.lines)
    mrz_x, mrz_y = w / 2, h - (rows * LINE_PITCH / 2 + 0.6) * pitch
    mrz_half = (len(document.lines[0]) / 2 + 0.5) * pitch, (rows * LINE_PITCH / 2 + 0.5) * pitch
    while True:
        angle = math.radians(rng.uniform(-5, 5))
        cx = FRAME[0] / 2 + rng.uniform(-0.06, 0.06) * FRAME[0]
        cy = FRAME[1] / 2 + rng.uniform(-0.12, 0.12) * FRAME[1]
        jitter = [(rng.uniform(-0.03, 0.03) * w, rng.uniform(-0.03, 0.03) * h) for _ in range(4)]

        def place(
            px: float, py: float, cx: float = cx, cy: float = cy, angle: float = angle
        ) -> tuple[float, float]:
            x, y = px - mrz_x, py - mrz_y
            return (
                cx + x * math.cos(angle) - y * math.sin(angle),
                cy + x * math.sin(angle) + y * math.cos(angle),
            )

        # Perspective: each page corner moved by up to 3 % of the page.
        corners = [
            place(px + jx, py + jy)
            for (px, py), (jx, jy) in zip(((0, 0), (w, 0), (w, h), (0, h)), jitter, strict=True)
        ]
        mrz = [
            place(mrz_x + sx * mrz_half[0], mrz_y + sy * mrz_half[1])
            for sx in (-1.06, 1.06)
            for sy in (-1.2, 1.2)
        ]
        if all(0 <= x < FRAME[0] and 0 <= y < FRAME[1] for x, y in mrz):
            break
    coefficients = _perspective(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    warped = page.transform(
        FRAME, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )
    mask = Image.new("L", page.size, 255).transform(
        FRAME, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    table = Image.new("RGB", FRAME, tuple(rng.randint(40, 110) for _ in range(3)))
    frame = Image.composite(warped, table, mask)
    # Uneven light: a ramp from dim to bright in a random direction.
    side = math.ceil(math.hypot(*FRAME)) + 2
    ramp = Image.linear_gradient("L").resize((side, side)).rotate(rng.uniform(0, 360))
    ramp = ramp.crop(
        (
            (side - FRAME[0]) // 2,
            (side - FRAME[1]) // 2,
            (side + FRAME[0]) // 2,
            (side + FRAME[1]) // 2,
        )
    ).resize(FRAME)
    low = rng.randint(120, 190)
    light = ramp.point(lambda v: low + (255 - low) * v // 255).convert("RGB")
    frame = ImageChops.multiply(frame, light)
    # A glare spot.
    glare = Image.new("L", FRAME, 0)
    gx, gy = rng.uniform(0, FRAME[0]), rng.uniform(0, FRAME[1])
    radius = rng.uniform(0.04, 0.1) * FRAME[0]
    ImageDraw.Draw(glare).ellipse(
        (gx - radius, gy - radius * 0.7, gx + radius, gy + radius * 0.7), fill=rng.randint(90, 170)
    )
    glare = glare.filter(ImageFilter.GaussianBlur(radius / 2.5)).convert("RGB")
    return Scene(
        document,
        ImageChops.screen(frame, glare),
        blur=rng.uniform(1.4, 2.0) if hard else rng.uniform(0.3, 1.1),
        noise=rng.uniform(6, 14) if hard else rng.uniform(3, 9),
        quality=(40, 60) if hard else (55, 85),
    )


def capture(posed: Scene, rng: random.Random) -> Frame:
    """One frame of a scene: hand shake, focus blur, sensor noise, JPEG."""
    frame = ImageChops.offset(posed.image, rng.randint(-1, 1), rng.randint(-1, 1))
    frame = frame.filter(ImageFilter.GaussianBlur(posed.blur))
    noise = Image.effect_noise(FRAME, posed.noise).convert("RGB")
    frame = ImageChops.add(frame, noise, scale=1.0, offset=-128)
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=rng.randint(*posed.quality))
    return Frame(posed.document, out.getvalue())


# For page.evaluate scripts: a base64 JPEG decoded by the browser into RGBA pixels, as
# the scan screen gets them from a canvas. Paste it at the top of the script's body.
DECODE_JS = """
  const decode = async (encoded) => {
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d");
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { rgba, width: bitmap.width, height: bitmap.height };
  };
"""


def y4m(frames: list[bytes], path: Path, fps: int = 10) -> None:
    """A YUV4MPEG2 (4:2:0) file of JPEG frames, for Chromium's fake camera."""
    first = Image.open(io.BytesIO(frames[0]))
    width, height = first.size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for data in frames:
            y, cb, cr = Image.open(io.BytesIO(data)).convert("YCbCr").split()
            half = (width // 2, height // 2)
            out.write(
                b"FRAME\n"
                + y.tobytes()
                + cb.resize(half, Image.Resampling.BOX).tobytes()
                + cr.resize(half, Image.Resampling.BOX).tobytes()
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--hard", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for n in range(args.count):
        frame = render(make(rng), rng, hard=args.hard)
        (args.out / f"{n:03d}.jpg").write_bytes(frame.jpeg)
        (args.out / f"{n:03d}.txt").write_text(frame.document.text + "\n")


if __name__ == "__main__":
    main()
