"""Static passage vectors distilled from MiniLM (model2vec's recipe), for the passages that
article-first retrieval reads inside the articles it found.

The table: every token of MiniLM's vocabulary is run alone through the model ([CLS] token
[SEP], mean-pooled, as sentence-transformers pools), the 30,522 vectors are centred and
reduced by PCA to `dims` components (signs fixed so that each component's largest loading is
positive: the same table on every machine). A text's vector is the mean of its tokens' rows,
L2-normalised: no transformer runs, so ~37k news passages take ~5 s instead of ~10 minutes.
Only the article vectors (title and lead, one per article) and the sentences quote mode reads
go through MiniLM itself. Why and what it costs: docs/measurements.md, "Static passage vectors".

The table is made once (about 10 s on 2 cores) and kept in `cache_dir()` ($QA_STATIC_CACHE,
default ~/.cache/news-qa/static), named by the MiniLM files it came from, `dims` and the
recipe's version, by the first StaticEmbedder that needs it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .model_files import minilm_path, model_key

DEFAULT_PASSAGE_MODEL = "minilm-static256"  # a new index's passages (IndexSettings.passage_embed_model "auto")
RECIPE = 1  # bump when the table's recipe changes: a new file name, a new index key


def cache_dir() -> Path:
    return Path(os.environ.get("QA_STATIC_CACHE") or Path.home() / ".cache" / "news-qa" / "static")


def distil(model_dir: Path, dims: int, batch: int = 1024) -> np.ndarray:
    """The (vocabulary x dims) table of the module doc, from the model at `model_dir`."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    if not 1 <= dims <= 384:
        raise ValueError(f"static dims must be between 1 and 384 (MiniLM's width), got {dims}")
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    bert = AutoModel.from_pretrained(str(model_dir)).eval()
    n = len(tok.get_vocab())
    ids = np.arange(n)
    raw = np.zeros((n, bert.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for a in range(0, n, batch):
            k = min(n, a + batch) - a
            inp = torch.tensor(np.stack([np.full(k, tok.cls_token_id), ids[a : a + k], np.full(k, tok.sep_token_id)], 1))
            raw[a : a + k] = bert(input_ids=inp, attention_mask=torch.ones_like(inp)).last_hidden_state.mean(1).numpy()
    centred = raw - raw.mean(0)
    _, _, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    comps = vt[:dims]
    comps *= np.sign(comps[np.arange(dims), np.abs(comps).argmax(1)])[:, None]
    return (centred @ comps.T).astype(np.float32)


class StaticEmbedder:
    """Mean of distilled MiniLM token vectors (see the module doc). Thread-safe; the table
    loads (or is made) on first use."""

    def __init__(self, dims: int = 256, model_dir: str | Path | None = None, cache: Path | None = None):
        if not isinstance(dims, int) or not 1 <= dims <= 384:
            raise ValueError(f"StaticEmbedder dims must be an integer between 1 and 384, got {dims!r}")
        self.dims = dims
        self.name = f"minilm-static{dims}"
        self._model_dir = Path(model_dir) if model_dir else None
        self._cache = cache
        self._table: np.ndarray | None = None
        self._tok = None
        self._special: set[int] = set()
        self._lock = threading.Lock()
        self.texts_embedded = 0

    @property
    def dim(self) -> int:
        return self.dims

    def _load(self):
        with self._lock:
            if self._table is None:
                model_dir = self._model_dir or Path(minilm_path())
                path = (self._cache or cache_dir()) / f"minilm-{model_key(model_dir)}-d{self.dims}-r{RECIPE}.npy"
                if path.is_file():
                    table = np.load(path)
                else:
                    table = distil(model_dir, self.dims)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
                    np.save(tmp, table)
                    os.replace(tmp, path)  # another process may make the same file: last one wins, equal
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
                tok.no_truncation()
                tok.no_padding()
                self._special = {tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")} - {None}
                self._tok, self._table = tok, table
            return self._tok, self._table

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        tok, table = self._load()
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for i, enc in enumerate(tok.encode_batch(list(texts), add_special_tokens=False)):
            ids = [t for t in enc.ids if t not in self._special]
            if ids:
                v = table[ids].mean(0)
                norm = float(np.linalg.norm(v))
                if norm > 0:
                    out[i] = v / norm
        self.texts_embedded += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


__all__ = ["DEFAULT_PASSAGE_MODEL", "StaticEmbedder", "cache_dir", "distil"]
