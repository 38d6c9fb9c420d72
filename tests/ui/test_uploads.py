"""ui/uploads.py: names can never escape the uploads dir; bad files fail alone."""

from __future__ import annotations

import pytest

from ui.uploads import UploadRejected, ingest_uploads, remove_upload, safe_filename, upload_path


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win.ini.md", "win.ini.md"),
    ("/abs/path/Report 2024 (final).HTML", "Report_2024_final.html"),
    (".hidden.txt", "hidden.txt"),
    ("....txt", "upload.txt"),
    ("naïve café.md", "naive_cafe.md"),
    ("a\x00b.txt", "ab.txt"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["evil.exe", "noext", "x.txt.sh", ""])
def test_unsupported_names_are_rejected(name):
    with pytest.raises(UploadRejected, match="unsupported file type"):
        safe_filename(name)


def test_upload_path_stays_inside(tmp_path):
    for name in ["../../x.txt", "a/../../b.md", "..", "./././c.html"]:
        try:
            p = upload_path(tmp_path / "uploads", name)
        except UploadRejected:
            continue
        assert p.parent == (tmp_path / "uploads").resolve()


def test_ingest_uploads_per_file_errors(make_index, tmp_path):
    index = make_index()
    up = tmp_path / "uploads"
    files = [
        ("good.txt", b"Good article\n\nThe Vantor dam opened in 2021. It holds 4 million cubic metres."),
        ("binary.txt", b"\x00\x01\x02" * 100),
        ("big.md", b"x" * 5000),
        ("empty.html", b"   "),
        ("program.exe", b"MZ"),
    ]
    report = ingest_uploads(index, up, files, max_bytes=4000)
    by = {f.filename: f for f in report.files}
    assert by["good.txt"].ok and by["good.txt"].doc_id == "good" and by["good.txt"].status == "added"
    assert by["good.txt"].chunks == index.store.count_chunks("good") > 0
    assert "binary" in by["binary.txt"].error
    assert "too large" in by["big.md"].error
    assert "empty" in by["empty.html"].error
    assert "unsupported" in by["program.exe"].error
    assert sorted(p.name for p in up.iterdir()) == ["good.txt"]  # failures leave nothing behind
    assert set(index.records(fresh=True)) == {"good"}
    # the same name again is refused unless replacing; then it is an update that keeps the
    # metadata; a bad re-upload keeps the earlier good file
    newer = b"Other headline\n\nThe dam opened in 2022."
    refused = ingest_uploads(index, up, [("good.txt", newer)], max_bytes=4000)
    assert not refused.ok and refused.only_conflicts and "would replace" in refused.files[0].error
    assert "2021" in index.get_document("good").text
    again = ingest_uploads(index, up, [("good.txt", newer)], max_bytes=4000, replace_existing=True)
    assert again.files[0].status == "updated"
    assert index.get_document("good").title == "Good article" and "2022" in index.get_document("good").text
    bad = ingest_uploads(index, up, [("good.txt", b"\x00" * 10)], max_bytes=4000, replace_existing=True)
    assert not bad.ok and (up / "good.txt").read_bytes() == newer
    assert remove_upload(up, str(up / "good.txt")) and not (up / "good.txt").exists()
    assert not remove_upload(up, str(tmp_path / "elsewhere.txt"))
