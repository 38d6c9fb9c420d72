"""Loaders for .txt, .md and .html; manifest overrides; every bad-input case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import DEFAULT_MAX_BYTES, LoadError, decode_bytes, load_file, load_paths

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
ARTICLE = "Storm hits the coast\n\nMarch 3, 2024\n\nA storm hit the coast on Sunday. Power was cut.\n"


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def write_manifest(folder: Path, entries: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps({"documents": entries}), encoding="utf-8")


# -- formats ----------------------------------------------------------------------------------
def test_txt_title_date_and_doc_id_from_file(tmp_path):
    doc = load_file(write(tmp_path / "storm-1.txt", ARTICLE))
    assert doc.doc_id == "storm-1"
    assert doc.text == ARTICLE  # exactly the file's text: offsets refer to it
    assert doc.title == "Storm hits the coast"
    assert doc.published == "2024-03-03"
    assert doc.outlet is None and doc.url is None
    assert doc.source == str((tmp_path / "storm-1.txt").resolve())


def test_md_heading_is_the_title(tmp_path):
    text = "Some lead line\n\n# The Real Headline #\n\nPublished 2023-11-05. Text follows here.\n"
    doc = load_file(write(tmp_path / "note.md", text))
    assert doc.title == "The Real Headline"
    assert doc.published == "2023-11-05"
    assert doc.text == text


def test_md_without_heading_uses_first_line(tmp_path):
    doc = load_file(write(tmp_path / "n.markdown", "\n\n  First line here\nSecond line.\n"))
    assert doc.title == "First line here"


HTML = """<!doctype html>
<html><head>
<title>Fallback title</title>
<meta property="og:title" content="Quake shakes the city">
<meta property="og:site_name" content="Daily Example">
<meta property="article:published_time" content="2024-06-25T10:11:00Z">
<link rel="canonical" href="https://example.org/quake">
<script>var tracking = "SCRIPT-TEXT";</script><style>.x{color:red}</style>
</head>
<body class="single-post has-sidebar">
<nav><a href="/">Home</a> NAV-TEXT</nav>
<header class="site-header">HEADER-TEXT</header>
<article>
<h1>Quake shakes the city</h1>
<p>A strong earthquake shook the city on Tuesday.</p>
<p>No injuries were <b>reported</b> by officials.<br>Schools closed early.</p>
<div class="share-buttons">SHARE-TEXT</div>
<!-- COMMENT-TEXT -->
</article>
<aside>ASIDE-TEXT</aside>
<div id="cookie-banner">COOKIE-TEXT</div>
<footer>FOOTER-TEXT</footer>
<script>alert("SCRIPT2-TEXT")</script>
</body></html>"""


def test_html_strips_boilerplate_and_reads_meta(tmp_path):
    doc = load_file(write(tmp_path / "quake.html", HTML))
    for junk in ("NAV", "HEADER", "SHARE", "COMMENT", "ASIDE", "COOKIE", "FOOTER", "SCRIPT", "SCRIPT2", "color:red"):
        assert junk not in doc.text, f"{junk} leaked into the text"
    assert "A strong earthquake shook the city on Tuesday." in doc.text
    assert "No injuries were reported by officials." in doc.text
    assert "Schools closed early." in doc.text
    assert doc.title == "Quake shakes the city"
    assert doc.outlet == "Daily Example"
    assert doc.published == "2024-06-25"
    assert doc.url == "https://example.org/quake"
    assert doc.doc_id == "quake"


def test_html_body_with_layout_classes_is_not_dropped(tmp_path):
    """Class names such as 'has-sidebar' on <body> or <main> must not discard the page."""
    page = ('<html><head><title>T</title></head><body class="page has-sidebar">'
            '<main class="main-header-layout"><p>Real text of the article.</p></main></body></html>')
    doc = load_file(write(tmp_path / "p.htm", page))
    assert doc.text == "Real text of the article."


def test_html_hinted_class_on_the_article_body_is_kept(tmp_path):
    body = " ".join(f"Sentence number {i} of the article body." for i in range(20))
    page = ('<html><body><div class="article-body comments-enabled"><p>' + body + "</p></div>"
            '<div class="comments"><p>First!</p></div><div class="share-bar">Share this</div></body></html>')
    doc = load_file(write(tmp_path / "c.html", page))
    assert doc.text == body


def test_html_fallbacks_title_tag_and_time_element(tmp_path):
    page = ("<html><head><title> Page Title </title></head><body><p>Body one.</p>"
            '<time datetime="2022-01-09">Jan 9</time></body></html>')
    doc = load_file(write(tmp_path / "f.html", page))
    assert doc.title == "Page Title"
    assert doc.published == "2022-01-09"
    assert "Page Title" not in doc.text  # the <title> is metadata, not article text


def test_html_with_only_boilerplate_is_an_error(tmp_path):
    f = write(tmp_path / "empty.html", "<html><body><nav>menu</nav><script>x()</script></body></html>")
    with pytest.raises(LoadError, match="no readable text"):
        load_file(f)


# -- manifest -----------------------------------------------------------------------------------
def test_manifest_overrides_guesses_including_null(tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write_manifest(tmp_path, {"a.txt": {
        "doc_id": "custom-id", "title": None, "outlet": "The Outlet", "published": "2020-02-29",
        "url": "https://x.test/a", "notes": "kept in extra",
    }})
    doc = load_file(tmp_path / "a.txt")
    assert doc.doc_id == "custom-id"
    assert doc.title is None  # explicit null wins over the guessed first line
    assert doc.outlet == "The Outlet" and doc.published == "2020-02-29" and doc.url == "https://x.test/a"
    assert doc.extra == {"notes": "kept in extra"}


def test_manifest_without_entry_keeps_guesses(tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write_manifest(tmp_path, {"other.txt": {"title": "x"}})
    doc = load_file(tmp_path / "a.txt")
    assert doc.doc_id == "a" and doc.title == "Storm hits the coast"


def test_bad_manifest_is_reported_per_file(tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write_manifest(tmp_path, {"a.txt": {"published": "03/2024"}})
    result = load_paths([tmp_path])
    assert not result.documents
    assert len(result.errors) == 1 and "published" in result.errors[0].reason


def test_repo_corpus_loads_with_manifest_metadata():
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["documents"]
    result = load_paths([CORPUS])
    assert not result.errors
    assert {Path(d.source).name for d in result.documents} == set(manifest)
    for doc in result.documents:
        entry = manifest[Path(doc.source).name]
        assert (doc.title, doc.outlet, doc.published, doc.url) == (
            entry["title"], entry["outlet"], entry["published"], entry["url"])
        assert doc.text == Path(doc.source).read_text(encoding="utf-8")


# -- bad input ------------------------------------------------------------------------------------
def test_empty_and_whitespace_files(tmp_path):
    for name, data in [("empty.txt", b""), ("blank.md", b" \n\t\n")]:
        with pytest.raises(LoadError, match="empty") as err:
            load_file(write(tmp_path / name, data))
        assert name in str(err.value)


def test_binary_file(tmp_path):
    f = write(tmp_path / "img.txt", bytes(range(256)) * 4)
    with pytest.raises(LoadError, match="binary") as err:
        load_file(f)
    assert "img.txt" in str(err.value) and "\n" not in str(err.value)


def test_control_character_soup_is_binary(tmp_path):
    with pytest.raises(LoadError, match="binary"):
        load_file(write(tmp_path / "c.txt", b"\x01\x02\x03\x04abc" * 50))


def test_cp1252_fallback_is_accepted(tmp_path):
    raw = "Caf\u00e9 \u201cquoted\u201d \u2014 price \u20ac5.".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    doc = load_file(write(tmp_path / "w.txt", raw))
    assert doc.text == "Caf\u00e9 \u201cquoted\u201d \u2014 price \u20ac5."


def test_utf8_bom_is_stripped():
    assert decode_bytes("\ufeffHello".encode("utf-8")) == "Hello"


def test_undecodable_file(tmp_path):
    raw = b"abc \x81\x8d\x8f\x90\x9d def \xff\xfe"  # invalid UTF-8, and undefined in cp1252
    with pytest.raises(LoadError, match="neither valid UTF-8 nor Windows-1252") as err:
        load_file(write(tmp_path / "u.txt", raw))
    assert "u.txt" in str(err.value)


@pytest.mark.parametrize("name", ["doc.pdf", "data.json", "README"])
def test_unsupported_suffix(tmp_path, name):
    with pytest.raises(LoadError, match="unsupported file type") as err:
        load_file(write(tmp_path / name, "Some text."))
    assert name in str(err.value) and ".txt" in str(err.value)


def test_oversized_file(tmp_path):
    f = write(tmp_path / "big.txt", "word " * 100)
    with pytest.raises(LoadError, match="too large") as err:
        load_file(f, max_bytes=100)
    assert "big.txt" in str(err.value) and "500" in str(err.value)
    assert load_file(f, max_bytes=500).doc_id == "big"
    assert DEFAULT_MAX_BYTES >= 1024 * 1024


def test_invalid_doc_id_from_file_name(tmp_path):
    with pytest.raises(LoadError, match="invalid doc_id"):
        load_file(write(tmp_path / "_bad name.txt", "Text here."))


def test_load_paths_keeps_good_files_and_reports_each_bad_one(tmp_path):
    good = ["a.txt", "b.md", "c.html", "sub/d.txt"]
    write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / "b.md", "# B\n\nBody of b.")
    write(tmp_path / "c.html", HTML)
    write(tmp_path / "sub" / "d.txt", "Nested text.")
    bad = {
        "empty.txt": b"",
        "bin.txt": b"\x00\x01\x02" * 100,
        "undecodable.md": b"\x81\x8d\x8f\x90\x9d",
        "x.pdf": b"%PDF-1.4",
        "huge.txt": b"y" * 5000,
        "sub/a.txt": b"Same id as a.txt.",  # duplicate doc id
    }
    for name, data in bad.items():
        write(tmp_path / name, data)
    write(tmp_path / ".hidden.txt", "ignored")
    write(tmp_path / "__init__.py", "ignored")
    result = load_paths([tmp_path, tmp_path / "missing.txt"], max_bytes=4000)
    assert sorted(str(Path(d.source).relative_to(tmp_path.resolve())) for d in result.documents) == sorted(good)
    reported = sorted(Path(e.path).name for e in result.errors)
    assert reported == sorted([Path(n).name for n in bad] + ["missing.txt"])
    dup = [e for e in result.errors if "same document id" in e.reason]
    assert len(dup) == 1 and dup[0].path.endswith("a.txt") and "sub" in dup[0].path
    assert all("\n" not in str(e) for e in result.errors)


def test_duplicate_doc_ids_via_manifest(tmp_path):
    write(tmp_path / "one.txt", "First.")
    write(tmp_path / "two.txt", "Second.")
    write_manifest(tmp_path, {"one.txt": {"doc_id": "same"}, "two.txt": {"doc_id": "same"}})
    result = load_paths([tmp_path])
    assert [d.text for d in result.documents] == ["First."]
    assert len(result.errors) == 1 and "'same'" in str(result.errors[0])
