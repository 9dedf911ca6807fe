"""The quality stage: spin/MT artefacts on the real seeds, truncation, boilerplate share, not-an-article."""
from __future__ import annotations

import pytest

from newsloom.model import Article
from newsloom.stages.clean import Clean
from newsloom.stages.language import Language
from newsloom.stages.quality import Quality, not_an_article, spin_artefacts, truncation

from .conftest import SHARED

SEEDS = SHARED / "corpora" / "seeds"


def _seed(prefix: str) -> Article:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    text = path.read_text(encoding="utf-8")
    art = Article(id=prefix, external_id=path.name, title="", text=text, raw_text=text)
    return Quality()(Language()(Clean()(art)))


def test_spin_fires_on_seed_002_with_evidence() -> None:
    flag = _seed("002").quality["spin"]
    assert flag["score"] >= 0.5
    evidence = " ".join(flag["evidence"])
    assert "Dutch 'met'" in evidence and "Dutch 'die'" in evidence
    assert "lower case" in evidence or "capitalised function word" in evidence


@pytest.mark.parametrize("prefix", ["001", "003", "004"])
def test_spin_stays_low_on_clean_seeds(prefix: str) -> None:
    art = _seed(prefix)
    assert art.quality["spin"]["score"] < 0.2
    assert art.quality["truncated"]["score"] < 0.5
    assert art.quality["not_article"]["score"] < 0.3


def test_english_die_and_met_are_not_artefacts() -> None:
    text = ("Doctors warned that patients would die in hospital corridors. The minister met the president on "
            "Monday and met with union leaders. Thousands could die from the heat, officials said.")
    assert spin_artefacts(text)["evidence"] == []


def test_spin_is_not_checked_for_other_languages() -> None:
    assert spin_artefacts("de man die het huis met een tuin kocht", "nl")["score"] == 0.0


def test_truncation() -> None:
    assert truncation("A full sentence. And another one that stops in the middle of")["score"] == 1.0
    assert truncation("It ends properly.")["score"] == 0.0
    assert truncation("The story goes on ... read more")["score"] == 1.0
    assert truncation('He said: "We are done."')["score"] == 0.0


def test_boilerplate_share_counts_removed_text() -> None:
    art = Article(id="a", external_id="a", title="t", text="x" * 100,
                  removed=[{"text": "y" * 300, "reason": "ad", "rule": "advertisement"}])
    flag = Quality()(art).quality["boilerplate"]
    assert flag["score"] == 0.75
    assert flag["evidence"] == ["1 x advertisement"]


def test_not_an_article_on_a_link_list() -> None:
    index = "\n".join(f"Headline number {i} | Section" for i in range(20))
    assert not_an_article(index)["score"] >= 0.7
    prose = "\n".join("This is a long paragraph of running prose that explains what happened in the town "
                      "yesterday, with several clauses and a full stop at the end." for _ in range(6))
    assert not_an_article(prose)["score"] < 0.3
