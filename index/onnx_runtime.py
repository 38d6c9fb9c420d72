"""One way to open an ONNX model on the CPU, shared by the ONNX embedder, the cross-encoder and
the reader (qa.evidence.reader)."""

from __future__ import annotations

from pathlib import Path


def cpu_session(path: Path | str, threads: int | None = None):
    """An onnxruntime InferenceSession on the CPU provider; `threads`: intra-op threads (None:
    onnxruntime's default)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
