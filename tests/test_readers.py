"""Readers: format detection, metadata, and every kind of bad input named in issue 2."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from newsloom.errors import Rejected
from newsloom.model import Record
from newsloom.readers import ReadOptions, iter_inputs
from newsloom.readers.decode import decode_bytes, gunzip_bytes

PAGE = """<!doctype html><html><head><title>Storm closes the coastal road | Example Herald</title>
<meta property="og:title" content="Storm closes the coastal road">
<meta property="og:site_name" content="Example Herald">
<meta name="author" content="Ada Quill">
<meta property="article:published_time" content="2023-02-07T08:00:00Z">
<link rel="canonical" href="https://herald.example/news/storm-road"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Storm closes the coastal road</h1>
<p>The coastal road between the two harbour towns was closed on Monday after waves threw rocks onto the carriageway, the roads agency said.</p>
<p>"We will reopen it as soon as the sea calms down," said agency spokesperson Bram Elders, adding that crews were on standby through the night.</p>
<p>Buses will take the inland route, which adds about forty minutes to the journey, the operator said in a statement on its website.</p>
</article><footer>Subscribe to our newsletter</footer></body></html>"""


def items(*paths, **kw) -> list:
    return list(iter_inputs([str(p) for p in paths], **kw))


def ok(found) -> list[Record]:
    return [i for i in found if isinstance(i, Record)]


def bad(found) -> list[Rejected]:
    return [i for i in found if isinstance(i, Rejected)]


def test_text_header_gives_date_and_title(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(" date 2021-11-16 Some headline here\n\nBody paragraph one.\n", encoding="utf-8")
    (rec,) = items(f)
    assert rec.published == "2021-11-16" and rec.title == "Some headline here"
    assert rec.external_id == str(f) and "Body paragraph one." in rec.text


def test_html_page_metadata(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(PAGE, encoding="utf-8")
    (rec,) = items(f)
    assert rec.title == "Storm closes the coastal road"
    assert rec.published == "2023-02-07"
    assert rec.author == "Ada Quill"
    assert rec.source == "Example Herald"
    assert rec.url == "https://herald.example/news/storm-road"
    assert "waves threw rocks" in rec.text and "Home" not in rec.text


def test_html_detected_by_content_without_extension(tmp_path):
    f = tmp_path / "page"
    f.write_text(PAGE, encoding="utf-8")
    assert ok(items(f))[0].format == "html"


def test_jsonl_field_names_and_broken_line(tmp_path):
    f = tmp_path / "feed.jsonl"
    rows = [
        json.dumps({"id": "a1", "headline": "First", "body": "Text one.", "outlet": "Daily", "pubDate":
                    "Tue, 16 Nov 2021 10:00:00 GMT", "lang": "en"}),
        '{"id": "a2", "title": "broken',
        json.dumps({"article_id": "a3", "title": "Third", "content": "Text three.", "source": {"name": "Wire"},
                    "published_at": "2021-11-17T08:00:00Z", "url": "https://x.example/3"}),
    ]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = items(f)
    good, rejected = ok(found), bad(found)
    assert [r.external_id for r in good] == ["a1", "a3"]
    assert good[0].title == "First" and good[0].source == "Daily" and good[0].published == "2021-11-16"
    assert good[1].source == "Wire" and good[1].published == "2021-11-17" and good[1].url == "https://x.example/3"
    assert len(rejected) == 1 and rejected[0].where == f"{f}:2" and "invalid JSON" in rejected[0].reason


def test_jsonl_row_without_text_is_rejected_by_line(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text('{"id": 1, "title": "no body"}\n{"id": 2, "text": "fine"}\n')
    found = items(f)
    assert len(ok(found)) == 1 and bad(found)[0].where == f"{f}:1" and "no text" in bad(found)[0].reason


def test_csv_with_broken_quoting_keeps_the_rest(tmp_path):
    f = tmp_path / "news.csv"
    f.write_text('id,title,text,date\n'
                 '1,"Good one","A body, with a comma",2020-01-02\n'
                 '2,"Broken "quote" here,"text",2020-01-03\n'
                 '3,"Multi","line one\nline two",2020-01-04\n'
                 '4,Plain,Plain body,2020-01-05\n', encoding="utf-8")
    found = items(f)
    good = ok(found)
    assert [r.external_id for r in good] == ["1", "3", "4"]
    assert good[1].text == "line one\nline two"
    (rej,) = bad(found)
    assert rej.where == f"{f}:3" and "CSV" in rej.reason


def test_gzip_and_folders_recursively(tmp_path):
    sub = tmp_path / "nested" / "deeper"
    sub.mkdir(parents=True)
    (tmp_path / "one.txt").write_text("Title one\n\nBody one.")
    with gzip.open(sub / "two.jsonl.gz", "wt") as fh:
        fh.write(json.dumps({"id": "g", "title": "Gz", "text": "From gzip."}) + "\n")
    (tmp_path / ".hidden.txt").write_text("ignored")
    found = ok(items(tmp_path))
    assert sorted(r.title or r.text.split("\n")[0] for r in found) == ["Gz", "Title one"]


def test_empty_and_binary_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"   \n\n  ")
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "good.txt").write_text("A title\n\nA body.")
    found = items(tmp_path)
    reasons = {Path(r.where).name: r.reason for r in bad(found)}
    assert set(reasons) == {"empty.txt", "blank.txt", "image.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["image.txt"]
    assert len(ok(found)) == 1


def test_legacy_encodings_are_detected_not_rejected(tmp_path):
    text = "Caf\u00e9 owners said the \u201cstrike\u201d would cost them \u00a340,000 \u2014 \u00e0 la carte.\n" * 5
    f = tmp_path / "cp1252.txt"
    f.write_bytes(("A headline\n\n" + text).encode("cp1252"))
    (rec,) = items(f)
    assert "\u201cstrike\u201d" in rec.text and "\u00a340,000" in rec.text
    g = tmp_path / "utf16.txt"
    g.write_bytes(("Title\n\n" + text).encode("utf-16"))
    assert "Caf\u00e9" in ok(items(g))[0].text


def test_undecodable_bytes_are_rejected_with_reason():
    with pytest.raises(Rejected) as err:
        decode_bytes(b"\x00\x01\x02\x03garbage\x00", "blob.bin")
    assert err.value.where == "blob.bin"


def test_oversized_text_file_is_rejected_and_batch_continues(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        line = b"This line repeats to make a fifty megabyte text file for the size check.\n"
        fh.write(line * (50_000_000 // len(line) + 1))
    assert big.stat().st_size >= 50_000_000
    (tmp_path / "small.txt").write_text("Small title\n\nSmall body.")
    found = items(tmp_path)
    (rej,) = bad(found)
    assert rej.where == str(big) and "too large" in rej.reason
    assert len(ok(found)) == 1


def test_malformed_html_still_extracts_or_rejects_clearly(tmp_path):
    f = tmp_path / "broken.html"
    f.write_text("<html><body><p>An unclosed paragraph about the vote in the city council on Monday evening, "
                 "which ended in a narrow win for the budget.<div><p>Another <b>unclosed tag with more words in it "
                 "so that the extractor has something to find here.</body>", encoding="utf-8")
    g = tmp_path / "nothing.html"
    g.write_text("<html><body><nav><a href='/'>x</a></nav></body></html>")
    found = items(f, g)
    assert "narrow win" in ok(found)[0].text
    (rej,) = bad(found)
    assert rej.where == str(g) and "no main text" in rej.reason


def test_missing_path_and_forced_format(tmp_path):
    f = tmp_path / "notes.data"
    f.write_text('{"id": "z", "text": "forced"}\n')
    found = items(tmp_path / "nope.txt", f, format="jsonl")
    assert bad(found)[0].reason == "no such file or folder"
    assert ok(found)[0].external_id == "z"


def test_gzip_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb") as fh:
        chunk = b"0" * (1 << 20)
        for _ in range(64):
            fh.write(chunk)
    assert bomb.stat().st_size < 200_000
    found = items(bomb, options=ReadOptions(max_decompressed_bytes=8 << 20))
    (rej,) = bad(found)
    assert "decompression bomb" in rej.reason
    with pytest.raises(Rejected):
        gunzip_bytes(bomb.read_bytes(), "bomb", 1 << 20)


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path):
    full = tmp_path / "full.jsonl.gz"
    with gzip.open(full, "wt") as fh:
        for i in range(2000):
            fh.write(json.dumps({"id": str(i), "text": f"Record number {i} " + os.urandom(64).hex()}) + "\n")
    data = full.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    found = items(cut)
    assert 100 < len(ok(found)) < 2000
    assert bad(found) and str(cut) in bad(found)[-1].where
