"""Bulk exports: the same articles as JSON Lines, CSV, TSV, Parquet, a folder of HTML pages and
a WARC archive load to the same documents, metadata and chunk offsets; bad records each get
one clear error naming the file and line, and the others load."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest

from corpus import FieldMap, LoadError, derived_doc_id, load_paths, safe_doc_id

ARTICLES = [
    {
        "title": f"Storm {name} reaches the coast",
        "site": outlet,
        "date": date,
        "url": f"https://{host}/news/storm-{name.lower()}",
        "paras": [
            f"Storm {name} reached the northern coast late on {day}, forecasters said, bringing "
            f"winds of up to {speed} kilometres an hour and heavy rain to towns along the shore.",
            f"Officials in {town} opened {n} shelters and asked residents of low-lying streets to "
            "leave their homes before the high tide, which was expected shortly after midnight.",
            f"“We have never seen water this high,” said a fisherman in {town}, who asked not to be "
            "named. Power was cut to thousands of homes, and schools stayed closed the next day.",
        ],
    }
    for name, outlet, date, host, day, speed, town, n in [
        ("Alma", "Coast Herald", "2024-03-05", "coastherald.example", "Tuesday", 120, "Port Ellis", 12),
        ("Bruno", "Daily Tide", "2024-04-11", "dailytide.example", "Thursday", 95, "Westhaven", 7),
        ("Cleo", "The Harbour Post", "2023-11-20", "harbourpost.example", "Monday", 140, "Kirkby", 21),
    ]
]


def text_of(a: dict) -> str:
    return "\n".join([a["title"], *a["paras"]])


def html_of(a: dict) -> str:
    paras = "".join(f"<p>{p}</p>" for p in a["paras"])
    return (
        "<!doctype html><html><head>"
        f"<title>{a['title']} | {a['site']}</title>"
        f'<meta property="og:title" content="{a["title"]}">'
        f'<meta property="og:site_name" content="{a["site"]}">'
        f'<meta property="article:published_time" content="{a["date"]}T08:00:00Z">'
        f'<link rel="canonical" href="{a["url"]}">'
        "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{a['title']}</h1>{paras}</article>"
        "<footer>Copyright. All rights reserved. Subscribe to our newsletter.</footer>"
        "</body></html>"
    )


def records() -> list[dict]:
    return [{"headline": a["title"], "body": text_of(a), "site_name": a["site"],
             "publishedAt": a["date"] + "T08:00:00Z", "link": a["url"]} for a in ARTICLES]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)
    return path


def write_warc(path: Path, pages: list[tuple[str, str]], gz: bool = True) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for url, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode("utf-8")),
                                                          http_headers=headers))
        # a non-HTML response is skipped, not an error
        img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://x.example/a.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG"), http_headers=img))
    return path


def summary(result) -> dict:
    from index import SentenceChunker

    assert not result.errors, [str(e) for e in result.errors]
    out = {}
    for d in result.documents:
        chunks = [(c.chunk_id, c.start, c.end) for c in SentenceChunker().chunk(d)]
        out[d.url] = (d.doc_id, d.title, d.outlet, d.published, d.text, chunks)
    return out


def test_jsonl_csv_tsv_parquet_html_and_warc_give_the_same_documents(tmp_path):
    fmap = FieldMap()  # the defaults must cover headline/body/site_name/publishedAt/link
    rows = records()
    jsonl = summary(load_paths([write_jsonl(tmp_path / "a.jsonl", rows)], fields=fmap))
    csv_ = summary(load_paths([write_csv(tmp_path / "a.csv", rows)]))
    tsv = summary(load_paths([write_csv(tmp_path / "a.tsv", rows, "\t")]))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "a.parquet")
    parquet = summary(load_paths([tmp_path / "a.parquet"]))
    pages = tmp_path / "pages"
    pages.mkdir()
    for a in ARTICLES:  # saved pages named by the id a record without an id gets
        (pages / f"{derived_doc_id(a['url'], '')}.html").write_text(html_of(a), encoding="utf-8")
    html = summary(load_paths([pages]))
    warc = summary(load_paths([write_warc(tmp_path / "a.warc.gz", [(a["url"], html_of(a)) for a in ARTICLES])]))
    assert len(jsonl) == 3
    for other in (csv_, tsv, parquet, html, warc):
        assert other == jsonl
    a = ARTICLES[0]
    doc_id, title, outlet, published, text, chunks = jsonl[a["url"]]
    assert (title, outlet, published, text) == (a["title"], a["site"], a["date"], text_of(a))
    assert doc_id == derived_doc_id(a["url"], text)
    assert all(text[s:e] for _, s, e in chunks)


def test_unsafe_ids_map_to_safe_stable_ones_and_keep_the_original(tmp_path):
    rows = [{"doc_id": "gcs:20220617_4:0", "text": "A story. It has two sentences."},
            {"doc_id": "ev:20220617_4", "text": "Another story."},
            {"doc_id": "plain-id_1", "text": "Third story."}]
    docs = load_paths([write_jsonl(tmp_path / "x.jsonl", rows)]).documents
    ids = [d.doc_id for d in docs]
    assert ids[0] == safe_doc_id("gcs:20220617_4:0") and ids[0].startswith("gcs-20220617_4-0-")
    assert docs[0].extra["original_id"] == "gcs:20220617_4:0"
    assert ids[2] == "plain-id_1" and "original_id" not in docs[2].extra
    assert load_paths([tmp_path / "x.jsonl"]).documents[0].doc_id == ids[0]  # deterministic
    # ids that differ only in their unsafe characters stay distinct
    assert safe_doc_id("a:b") != safe_doc_id("a/b")


def test_field_mapping_from_flags_and_nested_fields(tmp_path):
    rows = [{"story": {"body": "Body text here."}, "meta": {"when": "June 25, 2024"}, "source": {"id": "x", "name": "BBC News"}}]
    path = write_jsonl(tmp_path / "n.jsonl", rows)
    assert "no text" in str(load_paths([path]).errors[0])
    fmap = FieldMap.parse(["text=story.body", "published=meta.when"])
    doc = load_paths([path], fields=fmap).documents[0]
    assert (doc.text, doc.published, doc.outlet) == ("Body text here.", "2024-06-25", "BBC News")
    assert FieldMap.parse({"text": "a,b"}).text == ("a", "b")
    with pytest.raises(ValueError, match="unknown field role 'txt'"):
        FieldMap.parse(["txt=body"])
    with pytest.raises(ValueError, match="ROLE=FIELD"):
        FieldMap.parse(["text"])


def test_missing_date_falls_back_to_the_url_then_the_dateline(tmp_path):
    rows = [{"id": "u", "text": "No date here at all.", "url": "https://www.usatoday.com/story/2018/06/07/x/"},
            {"id": "t", "text": "WASHINGTON, March 3, 2021 — Lawmakers met.", "url": "https://e.example/story"},
            {"id": "n", "text": "Nothing dated.", "url": "https://e.example/story2"}]
    docs = {d.doc_id: d for d in load_paths([write_jsonl(tmp_path / "d.jsonl", rows)]).documents}
    assert docs["u"].published == "2018-06-07" and docs["u"].extra["notes"]["published"] == "URL"
    assert docs["t"].published == "2021-03-03" and docs["t"].extra["notes"]["published"] == "dateline in the text"
    assert docs["n"].published is None and "published" not in docs["n"].extra.get("notes", {})
    assert docs["u"].outlet == "usatoday.com" and docs["u"].extra["notes"]["outlet"] == "URL host name"


def test_bad_records_each_get_one_clear_error_and_the_rest_load(tmp_path):
    good = records()
    path = tmp_path / "bad.jsonl"
    with open(path, "wb") as fh:
        fh.write((json.dumps(good[0]) + "\n").encode())
        fh.write(b'{"title": "no text"}\n')                                   # line 2: missing text
        fh.write((json.dumps({**good[1], "publishedAt": "yesterday-ish"}) + "\n").encode())  # 3: bad date
        fh.write(b'{"text": "caf\xe9 bad bytes"}\n')                          # line 4: not UTF-8
        fh.write(b'{"text": "truncated\n')                                    # line 5: broken JSON
        fh.write(b"\n")
        fh.write((json.dumps(good[2]) + "\n").encode())
    res = load_paths([path])
    assert [d.url for d in res.documents] == [good[0]["link"], good[2]["link"]]
    msgs = [str(e) for e in res.errors]
    assert len(msgs) == 4 and all(m.startswith(f"{path}: line ") for m in msgs)
    assert "line 2: no text" in msgs[0]
    assert "line 3: unreadable publication date 'yesterday-ish'" in msgs[1]
    assert "line 4: not valid UTF-8" in msgs[2]
    assert "line 5: not valid JSON" in msgs[3]


def test_bad_csv_rows_and_encoding(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b'id,text,date\na,"Good one.",2024-01-02\nb,,2024-01-02\nc,"caf\xe9",2024-01-02\n'
                     b'd,"multi\nline text.",2024-01-03\ne,"x",2024-01-02,extra\n')
    res = load_paths([path])
    assert [d.doc_id for d in res.documents] == ["a", "d"]
    assert res.documents[1].text == "multi\nline text."
    msgs = [str(e) for e in res.errors]
    assert "line 3: no text" in msgs[0]
    assert "line 4: field for text is not valid UTF-8" in msgs[1]
    assert "line 7: more fields than the header" in msgs[2]


def test_truncated_warc_keeps_the_records_before_the_cut(tmp_path):
    full = write_warc(tmp_path / "full.warc.gz", [(a["url"], html_of(a)) for a in ARTICLES])
    raw = full.read_bytes()
    # cut inside the third record: find where its gzip member starts
    members, i = [], 0
    while (j := raw.find(b"\x1f\x8b\x08", i)) != -1:
        members.append(j)
        i = j + 3
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(raw[: members[2] + 60])
    res = load_paths([cut])
    assert [d.url for d in res.documents] == [ARTICLES[0]["url"], ARTICLES[1]["url"]]
    assert len(res.errors) == 1 and "truncated or corrupt after response record 2" in str(res.errors[0])


def test_duplicate_ids_across_records_are_reported(tmp_path):
    rows = [{"id": "same", "text": "One."}, {"id": "same", "text": "Two."}]
    res = load_paths([write_jsonl(tmp_path / "d.jsonl", rows)])
    assert len(res.documents) == 1 and "same document id 'same'" in str(res.errors[0])


def test_warc_page_without_markup_date_uses_the_url_date(tmp_path):
    a = {**ARTICLES[0], "url": "https://coastherald.example/2024/03/05/storm-alma"}
    page = html_of(a).replace('<meta property="article:published_time" content="2024-03-05T08:00:00Z">', "")
    page = page.replace(f'<link rel="canonical" href="{a["url"]}">', "")  # htmldate reads dated links too
    res = load_paths([write_warc(tmp_path / "u.warc", [(a["url"], page)], gz=False)])
    doc = res.documents[0]
    assert doc.published == "2024-03-05" and doc.extra["notes"]["published"] == "URL"
    assert isinstance(res.errors, list) and not res.errors
    assert not any(isinstance(e, LoadError) for e in res.documents)


@pytest.mark.parametrize("where", ["inside_header", "inside_body"])
def test_warc_cut_at_any_point_is_reported(tmp_path, where):
    full = write_warc(tmp_path / "full.warc.gz", [(a["url"], html_of(a)) for a in ARTICLES])
    raw = full.read_bytes()
    starts = [j for j in range(len(raw)) if raw.startswith(b"\x1f\x8b\x08", j)]
    cut = starts[2] + (60 if where == "inside_header" else (starts[3] - starts[2]) // 2)
    (tmp_path / "c.warc.gz").write_bytes(raw[:cut])
    res = load_paths([tmp_path / "c.warc.gz"])
    assert len(res.documents) == 2
    assert len(res.errors) == 1 and "truncated or corrupt after response record 2" in str(res.errors[0])
