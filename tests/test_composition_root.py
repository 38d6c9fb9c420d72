"""One composition root: production, tests and bench/ build the Assistant the same way, with
`Assistant.from_settings`, and the tuned values live in settings, not in constructors."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CALL = re.compile(r"(?<![\w.])Assistant\((?!\))")  # Assistant(...), not Assistant.from_settings(...)


def test_nothing_builds_an_assistant_except_through_the_root():
    found = []
    for pkg in ("qa", "ui", "evaluation", "bench", "tests"):
        for p in (REPO / pkg).rglob("*.py"):
            rel = str(p.relative_to(REPO))
            if rel in ("qa/assistant.py", "tests/test_composition_root.py"):
                continue
            found += [f"{rel}:{i}" for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                      if CALL.search(line) and not line.lstrip().startswith(("#", "class "))]
    assert not found, "build the Assistant with Assistant.from_settings:\n" + "\n".join(found)


def test_the_root_builds_what_settings_say(make_index):
    from qa.assistant import Assistant
    from qa.settings import Settings

    s = Settings(retrieval={"fusion": "convex", "dense_weight": 0.3, "bm25_weight": 0.7, "candidates": 17})
    a = Assistant.from_settings(s, make_index())
    r = a.retriever
    assert (r.fusion, r.weights, r.candidates) == ("convex", [0.3, 0.7], 17)
    assert a.composer.conflicts == s.conflicts and a.scorer.cue_depth == s.scoring.cue_depth


def test_the_retriever_has_no_tuned_defaults():
    from index import Retriever

    params = inspect.signature(Retriever.__init__).parameters
    tuned = ("candidates", "rrf_k", "dense_weight", "bm25_weight", "max_per_doc", "fusion", "collapse_copies")
    assert all(params[p].default is inspect.Parameter.empty for p in tuned)
