"""Second-stage ranking: a cross-encoder that reads (question, sentence) pairs."""

from .cross_encoder import CrossEncoder, get_cross_encoder, model_files
from .sentences import CrossEncoderRanker

__all__ = ["CrossEncoder", "CrossEncoderRanker", "get_cross_encoder", "model_files"]
