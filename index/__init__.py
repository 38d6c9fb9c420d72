"""Chunking, embedding, storage (Chroma + BM25), ingest and retrieval."""

from .bm25 import BM25Index
from .chunking import SentenceChunker
from .embedders import Embedder, SentenceTransformerEmbedder
from .model_files import ModelNotInstalled
from .ingest import IngestReport, ingest_documents, ingest_paths
from .news_index import NewsIndex
from .filters import Filters
from .retrieval import MODES, Retriever, diversify, rrf
from .sentences import split_sentences
from .registry import DocRecord, Registry
from .store import ChromaStore, StoreError
from .types import Chunk, ScoredPassage

__all__ = [
    "BM25Index", "ChromaStore", "Chunk", "DocRecord", "Embedder", "Filters", "IngestReport",
    "MODES", "ModelNotInstalled", "NewsIndex", "Registry", "Retriever", "ScoredPassage", "SentenceChunker",
    "SentenceTransformerEmbedder", "StoreError", "diversify", "ingest_documents", "ingest_paths",
    "rrf", "split_sentences",
]
