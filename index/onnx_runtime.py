"""One way to open an ONNX model on the CPU, shared by the ONNX embedder, the cross-encoder and
the reader (qa.evidence.reader)."""

from __future__ import annotations

from pathlib import Path


def cpu_session(path: Path | str, threads: int | None = None):
    """An onnxruntime InferenceSession on the CPU provider; `threads`: intra-op threads (None:
    onnxruntime's default).

    Its threads sleep as soon as a run ends instead of spinning for more work (onnxruntime's
    default): an answer runs several models one after another (the sentence embedder, then
    the cross-encoder's pairs side by side), and a model's spinning threads took the cores
    from the next one (bench/onnx_threads.py; docs/measurements.md, "Thirteenth round")."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def side_by_side(workers: int, name: str):
    """A pool for running small ONNX runs at once, each on a session of one intra-op thread
    (None for one worker). One cross-encoder pair, or a batch of a few short sentences, is too
    small for onnxruntime to spread over cores; several of them side by side use them all."""
    if workers <= 1:
        return None
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(workers, thread_name_prefix=name)


def run_all(pool, fn, items: list) -> list:
    """[fn(item) for item in items], on `pool` when there is one and more than one item:
    onnxruntime lets go of the GIL while it runs, so the runs take a core each."""
    return list(pool.map(fn, items) if pool is not None and len(items) > 1 else map(fn, items))
