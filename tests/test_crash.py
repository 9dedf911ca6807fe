"""A SIGKILL in the middle of an ingest leaves a consistent database; re-running completes it."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import BASE_STAGES

N = 6000


def _counts(db) -> tuple[int, int]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        arts = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        stored = conn.execute("SELECT count(*) FROM inputs WHERE status = 'stored'").fetchone()[0]
        return arts, stored
    except sqlite3.OperationalError:  # tables not created yet
        return 0, 0
    finally:
        conn.close()


def _session_processes(sid: int) -> list[int]:
    """Processes still alive in session ``sid`` (the killed ingest and any worker it started)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_mid_ingest_then_rerun(tmp_path, workers):
    src = tmp_path / "many.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(N):
            fh.write(json.dumps({"id": f"r{i}", "title": f"Headline number {i}", "source": f"outlet{i % 7}",
                                 "text": f"Report {i}: the council voted {i % 13} times on item {i * 31}. "
                                         f"Residents said the decision on road {i} surprised them."}) + "\n")
    db = tmp_path / "crash.db"
    env = {**os.environ, "NEWSLOOM_PIPELINE__STAGES": json.dumps(BASE_STAGES)}
    cmd = [sys.executable, "-m", "newsloom", "--db", str(db), "ingest", "--silent", "--workers", workers, str(src)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and _counts(db)[0] < 200:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 30  # workers notice their parent is gone and exit on their own
    while _session_processes(proc.pid) and time.time() < deadline:
        time.sleep(0.2)
    assert not _session_processes(proc.pid), "a worker outlived the killed ingest"
    arts, stored = _counts(db)
    assert 0 < arts < N, "the kill should land mid-ingest"

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # every stored article has its input row, and no input row points at a missing article
    assert arts == stored
    assert conn.execute("SELECT count(*) FROM inputs i LEFT JOIN articles a ON a.id = i.article_id "
                        "WHERE i.article_id IS NOT NULL AND a.id IS NULL").fetchone()[0] == 0
    conn.close()

    rerun = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["stored"] == N - arts and report["duplicate"] == arts
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == N
    assert conn.execute("SELECT count(DISTINCT external_id) FROM articles").fetchone()[0] == N
    assert conn.execute("SELECT count(*) FROM corpus_queue").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'council'").fetchone()[0] == N
    conn.close()

    again = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=300)
    assert json.loads(again.stdout)["stored"] == 0


def _story_consistency(conn: sqlite3.Connection) -> None:
    # every placed article is in a live story, story sizes are their article counts, every story has a live thread
    assert conn.execute("SELECT count(*) FROM story_articles sa LEFT JOIN stories s ON s.id = sa.story_id "
                        "WHERE s.id IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM stories s WHERE s.size != (SELECT count(*) FROM story_articles sa "
                        "WHERE sa.story_id = s.id)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM stories s LEFT JOIN threads t ON t.id = s.thread_id "
                        "WHERE t.id IS NULL").fetchone()[0] == 0
    # every id the re-check gave out (a split part) or took (a merged story) names a live story
    from newsloom.storage.tables.stories import resolve_story, resolve_thread

    for (ident,) in conn.execute("SELECT new_id FROM story_splits UNION SELECT story_id FROM story_splits "
                                 "UNION SELECT old_id FROM story_merges").fetchall():
        assert resolve_story(conn, ident) is not None
    # the same for threads: a split part, the thread it left, a merged thread
    for (ident,) in conn.execute("SELECT new_id FROM thread_splits UNION SELECT thread_id FROM thread_splits "
                                 "UNION SELECT old_id FROM thread_merges").fetchall():
        assert resolve_thread(conn, ident) is not None


def test_sigkill_during_story_clustering_then_rerun(tmp_path):
    """A kill while the stories and threads stages run leaves stories consistent; the next run places the rest."""
    import random

    rng = random.Random(4)
    topics = [["harbour", "bridge", "council", "traffic"], ["festival", "music", "stage", "crowd"],
              ["election", "ballot", "candidate", "turnout"], ["flood", "river", "rain", "evacuation"],
              ["strike", "union", "wages", "factory"], ["fire", "forest", "firefighters", "smoke"]]
    n = 700
    src = tmp_path / "topics.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words = topics[i % len(topics)]
            text = " ".join(f"The {rng.choice(words)} {rng.choice(words)} report {i % 50} said {rng.choice(words)}."
                            for _ in range(8))
            fh.write(json.dumps({"id": f"t{i}", "title": f"{words[0]} news {i}", "text": text}) + "\n")
    db = tmp_path / "stories.db"
    env = {**os.environ, "NEWSLOOM_PIPELINE__STAGES": json.dumps(["clean", "language", "embed", "stories",
                                                                  "threads"])}
    cmd = [sys.executable, "-m", "newsloom", "--db", str(db), "ingest", "--silent", str(src)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def placed() -> int:
        try:
            conn = sqlite3.connect(db, timeout=30)
            try:
                return conn.execute("SELECT count(*) FROM story_articles").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.OperationalError:
            return 0

    deadline = time.time() + 240
    while time.time() < deadline and placed() < 130:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    arts = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 0 < placed() < n, "the kill should land mid-clustering"
    _story_consistency(conn)
    conn.close()
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == n >= arts
    assert placed() == n
    assert conn.execute("SELECT count(*) FROM corpus_queue").fetchone()[0] == 0
    _story_consistency(conn)
    conn.close()
