"""bench/screenshots.py: the real app in a real Chromium, written as PNGs of the screen's size."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import screenshots  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_light_answer_shot_is_a_png_of_the_screen(tmp_path, capsys):
    written = screenshots.main(["--out", str(tmp_path / "shots"), "--screens", "light", "--shots", "answer"])
    assert written == [tmp_path / "shots" / "light-answer.png"]
    data = written[0].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1440, 900)
    assert len(data) > 20_000  # a rendered page: a blank white 1440x900 PNG is under 5 kB
    assert f"{written[0]}  {len(data):,} bytes  1440x900" in capsys.readouterr().out


def test_unknown_screen_is_refused_with_the_choices(tmp_path, capsys):
    with pytest.raises(SystemExit):
        screenshots.main(["--out", str(tmp_path), "--screens", "tablet"])
    assert "light" in capsys.readouterr().err
