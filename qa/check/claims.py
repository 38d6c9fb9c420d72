"""The citation checker for generated answers.

Each sentence of a generated answer is checked against the sources it cites (`[n]` refers to
`Source` n as numbered in the prompt):
- a marker to a source that does not exist is removed;
- lexical support: the share of the sentence's content words found in the cited sources
  (title/outlet/date included, since the model saw them), and every number and capitalised
  name of the sentence must appear there;
- embedding support: the best cosine between the sentence and the cited sources' sentences;
- a sentence without a marker, or whose cited sources don't support it, is checked against
  all sources and, when one supports it, gets the marker of the source that supports it best.
llm mode calls `check_claims` and never rewrites the generated text: qa.check.sentence_verdicts
turns the checks into per-sentence verdicts (the UI strikes rejected sentences through).
`verify` (bench/claims.py) composes a checked text instead: unsupported sentences DROPPED
(`drop_unsupported=True`, the default) and listed in `Verified.unsupported`; with
`drop_unsupported=False` they stay in the text, without citations, and are listed.

Each kept (sentence, source) pair becomes a Citation whose span is the source sentence that
supports the claim best (two adjacent sentences when the claim spans both), with offsets from
chunk.start + sentence spans. Markers are renumbered in order of appearance, one per span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index import ScoredPassage, split_sentences
from index.text import STOPWORDS, fold, stem

from ..nlp import month_name, names, number_words_to_digits
from ..settings import VerifySettings
from ..types import Citation

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_WORD = re.compile(r"[^\W_]+(?:[.,]\d+)*", re.UNICODE)
# 'According to [1], X' loses its marker to the checker; drop the empty lead-in it leaves.
_LEAD_IN = re.compile(r"^(according to|as reported by|per|based on)\s*(the\s+)?"
                      r"(sources?|articles?|passages?|texts?)?\s*(\d+\s*)?[,:]\s*", re.I)
# '... the statement from [1], Israel ...' -> '... the statement, Israel ...'
_DANGLING = re.compile(r"\s+(?:from|in|by|of|to|per)(?=\s*[,;:])", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# Words a faithful answer adds around a claim without making it unsupported.
FILLER = frozenset("""according article articles report reports reported reporting say says said
    state states stated mention mentions mentioned passage passages source sources also however
    additionally note noted""".split())


@dataclass(frozen=True)
class Source:
    """Prompt source `marker`: the shown sentences (document offsets, in order) of a passage."""

    marker: int
    passage: ScoredPassage
    spans: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        p = self.passage
        if not self.spans:
            raise ValueError(f"source [{self.marker}] has no sentence spans")
        for s, e in self.spans:
            if not (p.start <= s < e <= p.end):
                raise ValueError(f"source [{self.marker}] span {s}:{e} lies outside its passage "
                                 f"{p.start}:{p.end}")

    @classmethod
    def whole(cls, marker: int, passage: ScoredPassage) -> "Source":
        spans = tuple((passage.start + s, passage.start + e) for s, e in split_sentences(passage.text))
        return cls(marker, passage, spans or ((passage.start, passage.end),))

    def sentence(self, span: tuple[int, int]) -> str:
        off = self.passage.start
        return self.passage.text[span[0] - off:span[1] - off]

    @property
    def sentences(self) -> list[str]:
        return [self.sentence(sp) for sp in self.spans]

    @property
    def text(self) -> str:
        """Shown text: adjacent sentences keep the passage's own spacing, gaps show ' … '."""
        out, prev = [], None
        off = self.passage.start
        for s, e in self.spans:
            if prev is not None:
                out.append(self.passage.text[prev - off:s - off] if self._adjacent(prev, s) else " … ")
            out.append(self.passage.text[s - off:e - off])
            prev = e
        return "".join(out)

    def _adjacent(self, end: int, start: int) -> bool:
        off = self.passage.start
        return not self.passage.text[end - off:start - off].strip()

    @property
    def header(self) -> str:
        p = self.passage
        return " ".join(x for x in (p.title, p.outlet, p.published) if x)


@dataclass
class SentenceCheck:
    claim: str  # the sentence without markers
    cited: tuple[int, ...]  # valid source markers after checking
    removed: tuple[int, ...]  # markers to sources that do not exist
    supported: bool
    overlap: float = 0.0
    cosine: float = 0.0
    missing: tuple[str, ...] = ()  # numbers/names not found in the cited sources
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # source -> cited span
    written: tuple[int, ...] = ()  # the valid markers the sentence itself carries


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    unsupported: list[str]
    checks: list[SentenceCheck]
    removed_markers: list[int]


def _norm_number(tok: str) -> str:
    tok = tok.replace(",", "")
    return tok[:-2] if tok.endswith(".0") else tok


def _terms(text: str) -> tuple[set[str], set[str], set[str]]:
    """(content stems, numbers, words of names) of a text; names are qa.nlp.names (spaCy
    entities and proper nouns)."""
    stems, numbers, found = set(), set(), set()
    name_words = {fold(m.group(0)) for e in names(text) for m in _WORD.finditer(e.text)}
    text = number_words_to_digits(text)  # 'three' -> '3', 'twenty-one' -> '21'
    for m in _WORD.finditer(text):
        raw = m.group(0)
        w = fold(raw)
        if any(c.isdigit() for c in w):
            numbers.add(_norm_number(w))
            continue
        if w in STOPWORDS or w in FILLER or len(w) < 2:
            continue
        stems.add(stem(w))
        if w in name_words:
            found.add(w)
    return stems, numbers, found


def _date_terms(published: str | None) -> set[str]:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published or "")
    if not m:
        return set()
    y, mo, d = m.groups()
    return {y, str(int(mo)), str(int(d)), stem(month_name(int(mo)))}


def _has_word(w: str, stems: set[str], words: set[str]) -> bool:
    if stem(w) in stems or w in words:
        return True
    return any(len(x) >= 5 and len(w) >= 5 and (x.startswith(w[:5]) and w.startswith(x[:5]))
               for x in words)


class Checker:
    """Checks generated sentences against numbered sources with an embedder (any object
    with embed_documents(list[str]) -> unit vectors) and, optionally, a `judge` (any object
    with check(claim, span) -> .ok/.reasons, e.g. qa.check.claim_judges.ClaimJudge) that reads each
    claim against the span it would cite: a claim whose words are all in the span but whose
    speaker or number is not the span's is unsupported."""

    def __init__(self, embedder, config: VerifySettings = VerifySettings(), judge=None):
        self.embedder = embedder
        self.config = config
        self.judge = judge

    def _vectors(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        v = np.asarray(self.embedder.embed_documents(list(texts)), dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)

    def verify(self, answer: str, sources: list[Source], question: str | None = None) -> Verified:
        """`question`: its words, when the answer echoes them, are context, not claims: they
        need no support (numbers and names the question does not contain still do)."""
        checks = self.check_claims(split_claims(answer), sources, question)
        return self._compose(checks, {s.marker: s for s in sources})

    def check_claims(self, units: list[tuple[str, list[int]]], sources: list[Source],
                     question: str | None = None) -> list[SentenceCheck]:
        """One SentenceCheck per (claim, markers), in order (see `verify`)."""
        by_marker = {s.marker: s for s in sources}
        self._echo = _terms(question) if question else (set(), set(), set())
        src_vecs = self._vectors([t for s in sources for t in s.sentences])
        vec_of, i = {}, 0
        for s in sources:
            for sp in s.spans:
                vec_of[(s.marker, sp)] = src_vecs[i]
                i += 1
        claim_vecs = self._vectors([c for c, _ in units])
        vocab = {s.marker: self._vocab(s) for s in sources}
        checks: list[SentenceCheck] = []
        for (claim, markers), cvec in zip(units, claim_vecs):
            valid = tuple(dict.fromkeys(m for m in markers if m in by_marker))
            removed = tuple(m for m in markers if m not in by_marker)
            every = [s.marker for s in sources]
            check = self._check(claim, list(valid) or every, by_marker, vocab, vec_of, cvec, bool(valid))
            if valid and not check.supported and len(every) > len(valid):
                # miscited: keep the claim only if another source supports it, cited to that one
                other = self._check(claim, every, by_marker, vocab, vec_of, cvec, False)
                check = other if other.supported else check
            check.removed = removed
            check.written = valid
            checks.append(check)
        return checks

    def _vocab(self, s: Source) -> tuple[set[str], set[str], set[str]]:
        stems, numbers, _ = _terms(s.header + " " + " ".join(s.sentences))
        words = {fold(w) for w in _WORD.findall(s.header + " " + " ".join(s.sentences))}
        dates = _date_terms(s.passage.published)
        return stems | {d for d in dates if not d.isdigit()}, numbers | {d for d in dates if d.isdigit()}, words

    def _check(self, claim, candidates, by_marker, vocab, vec_of, cvec, cited) -> SentenceCheck:
        c_stems, c_nums, c_names = _terms(claim)
        q_stems, q_nums, q_names = getattr(self, "_echo", (set(), set(), set()))
        c_stems = (c_stems - q_stems) or c_stems
        c_nums, c_names = c_nums - q_nums, c_names - q_names
        if not c_stems and not c_nums:
            return SentenceCheck(claim, tuple(candidates) if cited else (), (), True, 1.0, 1.0)
        scored = []
        for m in candidates:
            stems, nums, words = vocab[m]
            if cited and len(candidates) > 1:  # several cited sources support jointly
                stems = set().union(*(vocab[x][0] for x in candidates))
                nums = set().union(*(vocab[x][1] for x in candidates))
                words = set().union(*(vocab[x][2] for x in candidates))
            found = sum(1 for w in c_stems if w in stems or _has_word(w, stems, words))
            overlap = found / len(c_stems) if c_stems else 1.0
            missing = tuple(sorted(n for n in c_nums if n not in nums)
                            + sorted(n for n in c_names if not _has_word(n, stems, words)))
            cos = max(float(vec_of[(m, sp)] @ cvec) for sp in by_marker[m].spans)
            cfg = self.config
            ok = not missing and (overlap >= cfg.min_overlap
                                  or (cos >= cfg.min_cosine and overlap >= cfg.min_overlap_with_cosine))
            scored.append((ok, overlap + cos, m, overlap, cos, missing))
        scored.sort(key=lambda t: (not t[0], -t[1]))
        ok, _, best, overlap, cos, missing = scored[0]
        if cited:
            chosen = tuple(candidates) if ok else ()
        else:
            chosen = (best,) if ok else ()
        spans = {m: self._span(claim, by_marker[m], vec_of, cvec) for m in chosen}
        if spans and self.judge is not None:
            spans, reasons = self._judged(claim, by_marker, spans)
            chosen = tuple(m for m in chosen if m in spans)
            if not spans:
                ok, missing = False, missing + reasons
        return SentenceCheck(claim, chosen, (), ok, overlap, cos, missing, spans)

    def _judged(self, claim: str, by_marker, spans: dict[int, tuple[int, int]]):
        """The spans the judge accepts for `claim`, and its reasons for the others."""
        kept, reasons = {}, []
        for m, sp in spans.items():
            verdict = self.judge.check(claim, by_marker[m].sentence(sp))
            if verdict.ok:
                kept[m] = sp
            else:
                reasons.extend(verdict.reasons)
        return kept, tuple(dict.fromkeys(reasons))

    def _span(self, claim: str, src: Source, vec_of, cvec) -> tuple[int, int]:
        """The source sentence (or two adjacent ones) that supports `claim` best."""
        c_stems, c_nums, _ = _terms(claim)
        need = c_stems | c_nums

        def cover(text: str) -> float:
            stems, nums, _ = _terms(text)
            return len(need & (stems | nums)) / len(need) if need else 0.0

        scores = [cover(src.sentence(sp)) + float(vec_of[(src.marker, sp)] @ cvec) for sp in src.spans]
        i = int(np.argmax(scores))
        best = src.spans[i]
        base = cover(src.sentence(best))
        for j in (i - 1, i + 1):
            if 0 <= j < len(src.spans):
                a, b = sorted((best, src.spans[j]))
                if src._adjacent(a[1], b[0]):
                    joined = (a[0], b[1])
                    if cover(src.sentence(joined)) >= base + 0.25:
                        return joined
        return best

    def _compose(self, checks: list[SentenceCheck], by_marker: dict[int, Source]) -> Verified:
        numbering: dict[tuple[str, int, int], int] = {}
        citations: list[Citation] = []
        parts, unsupported, removed = [], [], []
        for c in checks:
            removed.extend(c.removed)
            if not c.supported:
                unsupported.append(c.claim)
                if self.config.drop_unsupported:
                    continue
            refs = []
            for m, (s, e) in c.spans.items():
                p = by_marker[m].passage
                key = (p.doc_id, s, e)
                if key not in numbering:
                    numbering[key] = len(citations) + 1
                    quote = p.text[s - p.start:e - p.start]
                    citations.append(Citation(numbering[key], p.doc_id, s, e, quote,
                                              p.title, p.outlet, p.published))
                if numbering[key] not in refs:
                    refs.append(numbering[key])
            parts.append(_with_markers(c.claim, refs))
        return Verified(" ".join(parts), citations, unsupported, checks, removed)


def _with_markers(claim: str, refs: list[int]) -> str:
    if not refs:
        return claim
    tag = "".join(f"[{r}]" for r in refs)
    m = re.search(r"[.!?…]+[\"'”’)]*$", claim)
    if m:
        return f"{claim[:m.start()]} {tag}{claim[m.start():]}"
    return f"{claim} {tag}"


@dataclass
class ClaimUnit:
    """A sentence of generated text: `text[start:end]` as written (its own markers included,
    also ones that open the next sentence), `claim` the same without markers, normalised for
    checking, and the source numbers it cites."""

    claim: str
    markers: list[int]
    start: int
    end: int


def claim_units(text: str) -> list[ClaimUnit]:
    """Sentences of generated text with their spans in `text`. Markers that open a sentence
    ('... 2023. [1] He ...') belong to the sentence before."""
    out: list[ClaimUnit] = []
    for s, e in split_sentences(text):
        sent = text[s:e]
        lead = re.match(r"(\s*\[\d+(?:\s*[,;]\s*\d+)*\])+", sent)
        if lead and out:
            out[-1].markers.extend(_marker_numbers(lead.group(0)))
            out[-1].end = s + lead.end()
            s += lead.end()
            s += len(text[s:e]) - len(text[s:e].lstrip())
            sent = text[s:e]
        markers = _marker_numbers(sent)
        claim = re.sub(r"\s+", " ", MARKER.sub("", _BULLET.sub("", sent))).strip()
        claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
        claim = _LEAD_IN.sub("", claim)
        claim = _DANGLING.sub("", claim)
        claim = claim[:1].upper() + claim[1:]
        if claim and re.search(r"\w", claim):
            bullet = _BULLET.match(sent)
            out.append(ClaimUnit(claim, markers, s + (bullet.end() if bullet else 0), e))
        elif markers and out:
            out[-1].markers.extend(markers)
            out[-1].end = e
    return out


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """Sentences of generated text, each without markers, with the markers it carries."""
    return [(u.claim, u.markers) for u in claim_units(text)]


def _marker_numbers(text: str) -> list[int]:
    return [int(n) for g in MARKER.findall(text) for n in re.split(r"\s*[,;]\s*", g)]
