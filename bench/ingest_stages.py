"""Where news-qa's ingest time goes: stage timers (wall and CPU seconds of this process, calls)
around the ingest of the first N RealTime QA articles (bench/starter.py --ingest's selection,
default settings, a fresh store, the model loaded first). Timers, not cProfile: the profiler
inflates pysbd's many small calls (2.5x in its wall time).

    QA_CACHE_DIR=/tmp/ingest-cache nice -n 10 .venv/bin/python bench/ingest_stages.py 500

Prints one JSON line (totals) and a Markdown table: stage | wall s | share of wall | CPU s | calls.
Stages nest: "store.write_documents (all)" includes the BM25 terms, the article upsert and the
registry commit.
"""
import functools
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import index.bm25_sqlite as BS  # noqa: E402
import index.chunking as CH  # noqa: E402
import index.duplicates as D  # noqa: E402
import index.news_index as NI  # noqa: E402
import index.registry as R  # noqa: E402
import index.store as S  # noqa: E402
from evaluation import benchmarks as B  # noqa: E402
from evaluation.beir import bench_dir  # noqa: E402
from evaluation.suite import FOLDERS  # noqa: E402
from index.ingest import ingest_documents  # noqa: E402
from qa.components import build_index  # noqa: E402
from qa.settings import Settings  # noqa: E402

T: dict[str, list] = {}


def timed(name, fn):
    @functools.wraps(fn)
    def w(*a, **k):
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            t = T.setdefault(name, [0.0, 0.0, 0])
            t[0] += time.perf_counter() - w0
            t[1] += time.process_time() - c0
            t[2] += 1
    return w


n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
docs, _ = B.load_realtimeqa(bench_dir() / FOLDERS["realtimeqa"], "dev")
docs = sorted(docs, key=lambda d: hashlib.sha256(d.doc_id.encode()).hexdigest())[:n]
CH.split_sentences = timed("sentence splitting", CH.split_sentences)
NI.article_text = timed("article text", NI.article_text)
BS.chunk_terms = timed("BM25 terms", BS.chunk_terms)
R.Registry.commit = timed("registry commit (SQLite, FTS5)", R.Registry.commit)
R.Registry.begin = timed("registry begin", R.Registry.begin)
S.ChromaStore.add_articles = timed("Chroma article upsert", S.ChromaStore.add_articles)
S.ChromaStore.write_documents = timed("store.write_documents (all)", S.ChromaStore.write_documents)
NI.NewsIndex.update_duplicates = timed("duplicate clusters", NI.NewsIndex.update_duplicates)
with tempfile.TemporaryDirectory() as tmp:
    index = build_index(Settings(data_dir=str(Path(tmp) / "newsqa")))
    index.embedder.embed_documents(["warm up"])
    index.embedder.embed_documents = timed("embedding (MiniLM)", index.embedder.embed_documents)
    D.DuplicateDetector.signature = timed("MinHash signatures", D.DuplicateDetector.signature)
    import torch

    w0, c0 = time.perf_counter(), time.process_time()
    rep = ingest_documents(index, list(docs))
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
print(json.dumps({"articles": len(docs), "chunks": rep.chunks_written, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                  "articles_per_s": round(len(docs) / wall, 2), "torch_threads": torch.get_num_threads()}))
for k, (w, c, calls) in sorted(T.items(), key=lambda kv: -kv[1][0]):
    print(f"| {k} | {w:.1f} | {100*w/wall:.1f}% | {c:.1f} | {calls} |")
