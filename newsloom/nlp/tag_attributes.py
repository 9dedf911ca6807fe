"""Parts of speech, morphology and lemmas as en_core_web_sm's attribute ruler and lemmatizer give them.

The model's ``attribute_ruler`` (179 token patterns over tag, lower-case form, dependency and
whitespace) and its rule ``lemmatizer`` run a Matcher and a Python loop over every token. Their
answer depends only on a token's (tag, lower form, dependency, is-space) and, for the lemma, on its
(form, part of speech, morphology); :class:`TagAttributes` computes each distinct key once (and
remembers it for the process), applies the few multi-token patterns by a scan, and writes whole
columns with ``Doc.to_array``/``from_array``. ``tests/test_scoped_parse.py`` checks that it gives the
model's own components' output token for token.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

__all__ = ["TagAttributes"]

_KEY_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")
#: attributes the ruler sets, in the column order of :meth:`TagAttributes.columns`
SET_ATTRS = ("TAG", "POS", "MORPH", "LEMMA", "DEP")


def _value_ok(spec: Any, value: Any) -> bool:
    """One Matcher token-attribute spec (a value, or IN / NOT_IN / REGEX) against a value."""
    if isinstance(spec, dict):
        if "IN" in spec and value not in spec["IN"]:
            return False
        if "NOT_IN" in spec and value in spec["NOT_IN"]:
            return False
        if "REGEX" in spec and not re.search(spec["REGEX"], value):
            return False
        return True
    return value == spec


def _token_ok(spec: dict[str, Any], feats: dict[str, Any]) -> bool:
    return all(_value_ok(v, feats[k]) for k, v in spec.items())


class TagAttributes:
    """The attribute ruler and the rule lemmatizer of a loaded pipeline, per distinct token."""

    def __init__(self, nlp: Any) -> None:
        from spacy.attrs import IDS

        ruler = nlp.get_pipe("attribute_ruler")
        self.lemmatizer = nlp.get_pipe("lemmatizer")
        self.strings = nlp.vocab.strings
        self.key_ids = [IDS[a] for a in _KEY_ATTRS]
        self.set_ids = [IDS[a] for a in SET_ATTRS]
        self.lemma_key_ids = [IDS["ORTH"], IDS["POS"], IDS["MORPH"]]
        self.single: list[tuple[int, dict[str, Any], dict[str, Any]]] = []  # (order, token spec, attrs)
        self.multi: list[tuple[int, list[dict[str, Any]], int, dict[str, Any]]] = []  # (order, specs, index, attrs)
        for order, entry in enumerate(ruler.patterns):
            attrs = {a: self._attr_value(a, v) for a, v in entry["attrs"].items()}
            for pattern in entry["patterns"]:
                if len(pattern) == 1:
                    self.single.append((order, pattern[0], attrs))
                else:
                    self.multi.append((order, pattern, entry.get("index", 0), attrs))
        self.lower_words, self.lower_regexes = self._lower_specs()
        self._lower_class: dict[int, int] = {}
        self._by_key: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._multi_ok: dict[tuple[int, int, tuple[int, ...]], bool] = {}
        self._lemmas: dict[tuple[int, int, int], int] = {}

    def _lower_specs(self) -> tuple[set[str], list[str]]:
        """Every lower-case form the patterns name, and their regular expressions on it."""
        words: set[str] = set()
        regexes: list[str] = []
        specs = [spec for _, spec, _ in self.single] + [t for _, pattern, _, _ in self.multi for t in pattern]
        for spec in specs:
            value = spec.get("LOWER")
            if isinstance(value, str):
                words.add(value)
            elif isinstance(value, dict):
                words.update(value.get("IN", ()), value.get("NOT_IN", ()))
                if "REGEX" in value:
                    regexes.append(value["REGEX"])
        return words, regexes

    def _lower_classes(self, lowers: np.ndarray) -> np.ndarray:
        """A lower-case form no pattern names or matches becomes 0: the patterns cannot tell such forms apart."""
        uniq, inverse = np.unique(lowers, return_inverse=True)
        mapped = np.empty(len(uniq), dtype=np.uint64)
        for u, lower in enumerate(uniq):
            key = int(lower)
            cls = self._lower_class.get(key)
            if cls is None:
                text = self.strings[key] if key else ""
                named = text in self.lower_words or any(re.search(r, text) for r in self.lower_regexes)
                cls = self._lower_class[key] = key if named else 0
            mapped[u] = cls
        return mapped[inverse.reshape(-1)]

    def _attr_value(self, attr: str, value: Any) -> int:
        if attr == "MORPH":
            return int(self.strings.add(value)) if value != "_" else int(self.strings.add(""))
        return int(self.strings.add(value))

    def _feats(self, key: tuple[int, ...]) -> dict[str, Any]:
        tag, lower, dep, space = key
        return {"TAG": self.strings[tag] if tag else "", "LOWER": self.strings[lower] if lower else "",
                "DEP": self.strings[dep] if dep else "", "IS_SPACE": bool(space)}

    def _single(self, key: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(values, orders) per set attribute for one distinct token key: the last matching pattern wins."""
        got = self._by_key.get(key)
        if got is None:
            feats = self._feats(key)
            values = np.zeros(len(SET_ATTRS), dtype=np.uint64)
            orders = np.full(len(SET_ATTRS), -1, dtype=np.int64)
            for order, spec, attrs in self.single:
                if _token_ok(spec, feats):
                    for attr, value in attrs.items():
                        col = SET_ATTRS.index(attr)
                        values[col], orders[col] = value, order
            got = self._by_key[key] = (values, orders)
        return got

    def _multi_token_ok(self, p: int, j: int, key: tuple[int, ...]) -> bool:
        memo = (p, j, key)
        ok = self._multi_ok.get(memo)
        if ok is None:
            ok = self._multi_ok[memo] = _token_ok(self.multi[p][1][j], self._feats(key))
        return ok

    def columns(self, docs: list[Any]) -> list[np.ndarray]:
        """The ``SET_ATTRS`` columns (``to_array`` order) the ruler would give each tagged, parsed Doc.

        Tokens no pattern touches keep their tag and dependency; their part of speech, morphology and
        lemma stay unset (0), as with the ruler.
        """
        if not docs:
            return []
        sizes = [len(d) for d in docs]
        keys = np.concatenate([d.to_array(self.key_ids).reshape(-1, len(self.key_ids)) for d in docs])
        keys[:, _KEY_ATTRS.index("LOWER")] = self._lower_classes(keys[:, _KEY_ATTRS.index("LOWER")])
        out = np.concatenate([d.to_array(self.set_ids).reshape(-1, len(self.set_ids)) for d in docs])
        if not len(out):
            return [out[:0] for _ in docs]
        owner = np.repeat(np.arange(len(docs)), sizes)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        ukeys = [tuple(int(x) for x in row) for row in uniq]
        table = [self._single(k) for k in ukeys]
        values = np.stack([v for v, _ in table])[inverse]
        orders = np.stack([o for _, o in table])[inverse]
        for col in ("POS", "MORPH", "LEMMA"):  # the tagger and parser set none of these
            out[:, SET_ATTRS.index(col)] = 0
        hit = orders >= 0
        out[hit] = values[hit]
        n = len(out)
        for p, (order, specs, index, attrs) in enumerate(self.multi):
            width = len(specs)
            if n < width:
                continue
            ok = np.ones(n - width + 1, dtype=bool)
            for j in range(width):
                per_key = np.array([self._multi_token_ok(p, j, k) for k in ukeys])
                ok &= per_key[inverse][j:n - width + 1 + j]
                ok &= owner[j:n - width + 1 + j] == owner[:n - width + 1]
            for start in np.flatnonzero(ok):
                i = int(start) + index
                for attr, value in attrs.items():
                    col = SET_ATTRS.index(attr)
                    if order > orders[i, col]:
                        out[i, col], orders[i, col] = value, order
        return np.split(out, np.cumsum(sizes)[:-1])

    def fill_lemmas(self, doc: Any, tokens: np.ndarray) -> np.ndarray:
        """LEMMA column of ``doc`` with the rule lemmatizer's lemma wherever ``tokens`` is set and none is."""
        from spacy.attrs import LEMMA

        lemmas = doc.to_array([LEMMA]).astype(np.uint64).reshape(-1)
        todo = np.flatnonzero(tokens & (lemmas == 0))
        if not len(todo):
            return lemmas
        keys = doc.to_array(self.lemma_key_ids)[todo]
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        found = np.zeros(len(uniq), dtype=np.uint64)
        for u, row in enumerate(uniq):
            key = (int(row[0]), int(row[1]), int(row[2]))
            lemma = self._lemmas.get(key)
            if lemma is None:
                token = doc[int(todo[first[u]])]
                lemma = self._lemmas[key] = int(self.strings.add(self.lemmatizer.rule_lemmatize(token)[0]))
            found[u] = lemma
        lemmas[todo] = found[inverse.reshape(-1)]
        return lemmas
