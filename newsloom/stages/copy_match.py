"""Pure text features for copy detection: MinHash signatures, LSH band keys, pair evidence, the kind.

Internal helper of the ``copies`` stage, not a stable API. Nothing here touches the store, so the
same code can run in a Spark job.

Steps of a pair decision (:func:`decide`):

1. normalised texts equal -> ``exact``;
2. high word-shingle containment (the shorter text is mostly inside the longer) -> ``near``, or
   ``syndicated`` when the outlets differ or a wire credit (AP, Reuters, AFP, ...) is present;
3. lower shingle overlap, but most sentences align by their words, in order, and the numbers,
   names and quotes agree -> ``rewrite`` (spun / paraphrased);
4. (languages differ) a high multilingual-embedding similarity and agreeing numbers/names ->
   ``translation``; decided by the stage, which owns the embedding model.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
import re
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from ..errors import MissingDependency
from ..model import normalise_for_hash
from ..settings import stage_settings

try:  # the ``copies`` extra; the module still imports without it so the stage registry loads
    import numpy as np
    from datasketch import MinHash
    from datasketch.lsh import _optimal_param
except ImportError:  # pragma: no cover - exercised only without the extra
    np = MinHash = _optimal_param = None  # type: ignore[assignment]

__all__ = ["Features", "PairEvidence", "compare", "decide", "band_keys", "signature_bytes", "fingerprint_hex",
           "signature_from_bytes", "estimate_jaccard", "WIRE_CREDIT", "NUM_PERM", "require", "Thresholds"]

NUM_PERM = 64
_WORD = re.compile(r"\w+", re.UNICODE)
_SENT = re.compile(r"(?<=[.!?\u201d\"])\s+|\n+")
_NUMBER = re.compile(r"\d[\d.,]*\d|\d")
_CAPITAL = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z\u00c0-\u00de][\w\u00c0-\u024f'-]{2,}", re.M)
_QUOTED_ANY = re.compile(r"\"[^\"]{0,300}\"")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{20,300})[\"\u201d]")
WIRE_CREDIT = re.compile(r"\((AP|AFP|Reuters|dpa|UPI|EFE|ANSA|Xinhua|PA)\)|\b(Associated Press|Reuters|"
                         r"Agence France-Presse|AFP|Deutsche Presse-Agentur)\b", re.I)
_STOP = frozenset("""a an the and or but if of to in on at by for with from as is are was were be been being it its
this that these those he she they we you i his her their our your my him them us me who whom which what when where
why how not no so than then there here also has have had do does did will would can could may might must shall should
said says say about after before over under into out up down more most other some such only own same too very just
""".split())

_BANDS: dict[str, tuple[int, int]] = {}


def require() -> None:
    """Raise MissingDependency (with the pip line) when the ``copies`` extra is not installed."""
    if MinHash is None:
        raise MissingDependency("datasketch and numpy (copy detection)", "pip install 'newsloom[copies]'")
    if not _BANDS:
        # LSH bands: word 3-shingles find near copies (J >= ~0.25), content words find rewrites (J >= ~0.3)
        _BANDS.update(shingles=_optimal_param(0.25, NUM_PERM, 0.5, 0.5), words=_optimal_param(0.3, NUM_PERM, 0.5, 0.5))


def _same(value: int) -> int:
    return value


_PERMUTATIONS: list[Any] = []


def _minhash(items: set[int]) -> "MinHash":
    """MinHash of a set of 32-bit hashes (crc32 of the shingles or words)."""
    require()
    if not _PERMUTATIONS:
        _PERMUTATIONS.append(MinHash(num_perm=NUM_PERM, seed=7).permutations)
    m = MinHash(num_perm=NUM_PERM, seed=7, hashfunc=_same, permutations=_PERMUTATIONS[0], scheme="affine32")
    if items:
        m.update_batch(list(items))
    return m


@dataclass
class Features:
    """What copy detection needs of one text (computed once per article, each part when first used).

    A stored article's features come from its ``copy_index`` row (:meth:`from_index`): shingle and word
    hashes, size, digest and wire credit; its text is read (``loader``) only if a rewrite check needs it.
    """

    text: str | None
    language: str | None = None
    source: str | None = None
    title: str = ""
    loader: Callable[[], str] | None = field(default=None, repr=False)

    @classmethod
    def from_index(cls, row: Any, loader: Callable[[], str]) -> "Features":
        """Features of an indexed article from its stored hashes (``copy_index`` columns)."""
        feat = cls(None, row["language"], row["source"], "", loader)
        feat.__dict__.update(shingles=set(np.frombuffer(row["shingles"], dtype="<u4").tolist()),
                             content_words=set(np.frombuffer(row["words"], dtype="<u4").tolist()),
                             n_words=row["n_words"], digest=row["digest"], wire_credit=row["wire"])
        return feat

    @cached_property
    def body(self) -> str:
        return self.text if self.text is not None else (self.loader() if self.loader else "")

    @cached_property
    def norm(self) -> str:
        return normalise_for_hash(self.body)

    @cached_property
    def n_words(self) -> int:
        return len(self.words)

    @cached_property
    def digest(self) -> str:
        """Hash of the normalised text (equal digests: an exact copy)."""
        return hashlib.sha256(self.norm.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def hash_blobs(self) -> tuple[bytes, bytes]:
        """Shingle and content-word hashes as sorted little-endian uint32 bytes (for ``copy_index``)."""
        return (np.array(sorted(self.shingles), dtype="<u4").tobytes(),
                np.array(sorted(self.content_words), dtype="<u4").tobytes())

    @cached_property
    def words(self) -> list[str]:
        return _WORD.findall(self.norm)

    @cached_property
    def shingles(self) -> set[int]:
        """Word 3-shingles, as crc32 hashes."""
        w = self.words
        if len(w) < 3:
            return {zlib.crc32(" ".join(w).encode())} if w else set()
        table = {x: zlib.crc32(x.encode()) for x in set(w)}
        h = np.array([table[x] for x in w], dtype=np.uint64)
        mixed = (h[:-2] * np.uint64(0x9E3779B1)) ^ (h[1:-1] * np.uint64(0x85EBCA77)) ^ h[2:]
        return set((mixed & np.uint64(0xFFFFFFFF)).tolist())

    @cached_property
    def content_words(self) -> set[int]:
        """Content words (no stop words, 3+ characters), as crc32 hashes."""
        return {zlib.crc32(w.encode()) for w in set(self.words) if w not in _STOP and len(w) > 2}

    @cached_property
    def sentences(self) -> list[set[str]]:
        """Content-word sets of the sentences, quoted passages left out (independent reports share quotes)."""
        out = []
        for s in _SENT.split(_QUOTED_ANY.sub(" ", self.norm)):
            bag = {w for w in _WORD.findall(s) if w not in _STOP}
            if len(bag) >= 4:
                out.append(bag)
        return out

    @cached_property
    def anchors(self) -> set[str]:
        """Numbers, capitalised names and quoted passages: what a rewrite or translation keeps."""
        nums = {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(self.body)}
        nums = {n for n in nums if len(n) >= 2 or n not in {"0", "1", "2"}}
        names = {m.group(0).lower() for m in _CAPITAL.finditer(self.body)}
        return {f"#{n}" for n in nums} | {f"@{n}" for n in names}

    @cached_property
    def quotes(self) -> set[str]:
        return {" ".join(_WORD.findall(q.lower())) for q in _QUOTED.findall(self.body)}

    @cached_property
    def shingle_sig(self) -> "MinHash":
        return _minhash(self.shingles)

    @cached_property
    def word_sig(self) -> "MinHash":
        return _minhash(self.content_words)

    @cached_property
    def wire_credit(self) -> str | None:
        m = WIRE_CREDIT.search(f"{self.title}\n{self.body[:400]}\n{self.body[-400:]}")
        return m.group(0) if m else None


def band_keys(feat: Features) -> list[int]:
    """LSH band keys (signed 64-bit) of both signatures; equal keys mean a candidate pair."""
    require()
    keys = []
    for index, sig in (("shingles", feat.shingle_sig), ("words", feat.word_sig)):
        if (index == "shingles" and not feat.shingles) or (index == "words" and not feat.content_words):
            continue
        b, r = _BANDS[index]
        values = sig.hashvalues
        for band in range(b):
            digest = hashlib.blake2b(values[band * r:(band + 1) * r].tobytes(), digest_size=8,
                                     person=f"{index[0]}{band}".encode()).digest()
            keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def signature_bytes(feat: Features) -> bytes:
    """Both MinHash signatures (shingles, then content words) as big-endian uint32 bytes."""
    return np.concatenate([feat.shingle_sig.hashvalues, feat.word_sig.hashvalues]).astype(">u4").tobytes()


def fingerprint_hex(feat: Features) -> str:
    """The word-shingle MinHash signature as hex: ``Article.fingerprint``."""
    return feat.shingle_sig.hashvalues.astype(">u4").tobytes().hex()


def signature_from_bytes(blob: bytes) -> tuple["np.ndarray", "np.ndarray"]:
    values = np.frombuffer(blob, dtype=">u4").astype(np.uint64)
    return values[:NUM_PERM], values[NUM_PERM:]


def estimate_jaccard(a: "np.ndarray", b: "np.ndarray") -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def _overlap(a: set, b: set) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _aligned(a: list[set[str]], b: list[set[str]], threshold: float = 0.4) -> tuple[float, float]:
    """(share of the shorter text's sentences with a close sentence in the other, share in order)."""
    if not a or not b:
        return 0.0, 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    postings: dict[str, list[int]] = {}
    for j, t in enumerate(long_):
        for w in t:
            postings.setdefault(w, []).append(j)
    hits = []
    for s in short:
        shared: dict[int, int] = {}
        for w in s:
            for j in postings.get(w, ()):
                shared[j] = shared.get(j, 0) + 1
        best, where = 0.0, -1
        for j, inter in shared.items():
            sim = inter / (len(s) + len(long_[j]) - inter)
            if sim > best:
                best, where = sim, j
        if best >= threshold:
            hits.append(where)
    if not hits:
        return 0.0, 0.0
    in_order = sum(1 for x, y in zip(hits, hits[1:]) if y > x) / max(1, len(hits) - 1)
    return len(hits) / len(short), in_order


@dataclass
class PairEvidence:
    """Measured evidence for one (new, candidate) pair."""

    exact: bool
    containment: float  # word 3-shingle containment of the shorter text in the longer
    jaccard: float  # word 3-shingle Jaccard
    words: float  # content-word Jaccard
    aligned: float | None  # share of the shorter text's sentences that align (None: not measured)
    in_order: float | None
    anchors: float | None  # overlap of numbers/names/quotes
    length_ratio: float  # shorter / longer, in words
    same_source: bool | None
    wire_credit: str | None

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def compare(a: Features, b: Features, t: "Thresholds | None" = None) -> PairEvidence:
    """Measure how much of ``a`` is in ``b`` (symmetric measures).

    The costly sentence alignment and anchor overlap are measured only when the cheap measures leave
    the rewrite tier open (``aligned``, ``in_order`` and ``anchors`` are None otherwise).
    """
    t = t or _shipped()
    same = None if not (a.source and b.source) else a.source.strip().lower() == b.source.strip().lower()
    la, lb = a.n_words, b.n_words
    ev = PairEvidence(
        exact=a.digest == b.digest,
        containment=_overlap(a.shingles, b.shingles),
        jaccard=_jaccard(a.shingles, b.shingles),
        words=_jaccard(a.content_words, b.content_words),
        aligned=None, in_order=None, anchors=None,
        length_ratio=min(la, lb) / max(la, lb, 1),
        same_source=same,
        wire_credit=a.wire_credit or b.wire_credit,
    )
    if not ev.exact and ev.containment < t.near_containment and ev.words >= t.rewrite_words \
            and ev.length_ratio >= t.rewrite_max_length_ratio:
        ev.aligned, ev.in_order = _aligned(a.sentences, b.sentences)
        ev.anchors = _overlap(a.anchors | a.quotes, b.anchors | b.quotes)
    return ev


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds: the ``[stages.copies]`` settings of the same names."""

    near_containment: float
    min_length_ratio: float
    rewrite_aligned: float
    rewrite_in_order: float
    rewrite_words: float
    rewrite_anchors: float
    rewrite_max_length_ratio: float

    @classmethod
    def from_cfg(cls, cfg: dict[str, Any] | None = None) -> "Thresholds":
        """From the stage's settings (None: the shipped defaults)."""
        cfg = stage_settings(None, "copies") if cfg is None else cfg
        return cls(**{k: cfg[k] for k in cls.__dataclass_fields__})


@lru_cache(maxsize=1)
def _shipped() -> Thresholds:
    return Thresholds.from_cfg()


def decide(ev: PairEvidence, t: Thresholds | None = None) -> tuple[str | None, float]:
    """The copy kind for a pair (or None: not a copy) and a score in [0, 1]."""
    t = t or _shipped()
    if ev.exact:  # the same text under another outlet is syndication; exact means same or unknown outlet
        return ("syndicated" if ev.same_source is False else "exact"), 1.0
    if ev.length_ratio < t.min_length_ratio:
        return None, 0.0
    if ev.containment >= t.near_containment:
        syndicated = ev.same_source is False or (ev.same_source is None and ev.wire_credit is not None)
        return ("syndicated" if syndicated else "near"), ev.containment
    if ev.aligned is None or ev.in_order is None or ev.anchors is None:
        return None, 0.0
    if (ev.aligned >= t.rewrite_aligned and ev.in_order >= t.rewrite_in_order and ev.words >= t.rewrite_words
            and ev.anchors >= t.rewrite_anchors and ev.length_ratio >= t.rewrite_max_length_ratio):
        return "rewrite", round((ev.aligned + ev.words + ev.anchors) / 3, 3)
    return None, 0.0
