"""Stored spans follow the text when the boilerplate stage cuts paragraphs afterwards."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from newsloom.model import Article
from newsloom.storage.spans import paragraph_remap, remap_spans

pars_strategy = st.lists(st.text(alphabet="abc xyz.", min_size=1, max_size=30), min_size=1, max_size=8)


@given(pars=pars_strategy, data=st.data())
def test_paragraph_remap_keeps_substrings(pars, data):
    keep = data.draw(st.lists(st.booleans(), min_size=len(pars), max_size=len(pars)))
    old = "\n\n".join(pars)
    new = "\n\n".join(p for p, k in zip(pars, keep) if k)
    remap = paragraph_remap(pars, keep)
    pos = 0
    for par, kept in zip(pars, keep):
        for i in range(len(par)):
            mapped = remap(pos + i)
            if kept:
                assert new[mapped] == old[pos + i]
            else:
                assert mapped is None
        pos += len(par) + 2


def test_remap_spans_moves_and_drops_rows(fresh_store):
    pars = ["Footer line that recurs everywhere here", "Lukashenko said \u201cwe want talks\u201d on Monday.",
            "Another footer"]
    text = "\n\n".join(pars)
    art = Article(id="a" * 16, external_id="a", title="t", text=text, text_hash="h")
    fresh_store.add_batch([art], [])
    conn = fresh_store.conn
    tables = set(fresh_store.tables())
    s = text.index("Lukashenko")
    q0, q1 = text.index("\u201c"), text.index("\u201d") + 1
    with fresh_store.transaction():
        if "mentions" in tables:
            conn.execute('INSERT INTO mentions (article_id, start, "end", text, label, name) VALUES (?,?,?,?,?,?)',
                         (art.id, s, s + 10, "Lukashenko", "PERSON", "Lukashenko"))
            conn.execute('INSERT INTO mentions (article_id, start, "end", text, label, name) VALUES (?,?,?,?,?,?)',
                         (art.id, 0, 6, "Footer", "ORG", "Footer"))
        if "quotes" in tables:
            conn.execute('INSERT INTO quotes (id, article_id, start, "end", parts, text, kind, speaker_start,'
                         ' speaker_end) VALUES (?,?,?,?,?,?,?,?,?)',
                         ("q1", art.id, q0, q1, json.dumps([[q0, q1]]), text[q0:q1], "direct", s, s + 10))
        remap_spans(conn, art.id, paragraph_remap(pars, [False, True, False]))
    new_text = pars[1]
    if "mentions" in tables:
        rows = conn.execute('SELECT start, "end", text FROM mentions WHERE article_id = ?', (art.id,)).fetchall()
        assert [(new_text[a:b], t) for a, b, t in rows] == [("Lukashenko", "Lukashenko")]
    if "quotes" in tables:
        row = conn.execute('SELECT start, "end", parts, speaker_start, speaker_end, text FROM quotes').fetchone()
        assert new_text[row[0]:row[1]] == row[5]
        assert json.loads(row[2]) == [[row[0], row[1]]]
        assert new_text[row[3]:row[4]] == "Lukashenko"
