"""The README's examples run as written, in an empty folder, after ``newsloom demo`` (issue 9)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .conftest import REPO

BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))


def shell_lines() -> list[str]:
    """Every command line of the README's shell blocks, but installing and the test suite."""
    return [line for lang, body in blocks() if lang != "python" for line in body.splitlines()
            if line.strip() and not line.startswith(("pip ", "python -m pytest"))]


@pytest.mark.issue(9)
def test_readme_examples_run_as_written(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSLOOM_DB": "", "COLUMNS": "120"}
    env = {k: v for k, v in env.items() if not k.startswith("NEWSLOOM_")}
    lines = shell_lines()
    assert any(line.startswith("newsloom show article") for line in lines) and len(lines) >= 10
    script = "\n".join([f'newsloom() {{ "{sys.executable}" -m newsloom "$@"; }}', "set -o pipefail",
                        "newsloom demo > /dev/null"]
                       + [f"{line}\nrc=$?; [ $rc = 0 ] || {{ echo README example {i} exited $rc >&2; exit 1; }}"
                          for i, line in enumerate(lines)])
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    failed = re.search(r"README example (\d+)", done.stderr)
    assert done.returncode == 0, (lines[int(failed[1])] if failed else "", done.stderr[-3000:])
    assert "Traceback" not in done.stdout + done.stderr
    assert "example.org" in done.stdout and "Calder Wire" in done.stdout  # the sources the comments promise
    assert (tmp_path / "a.parquet").is_file()
    for lang, body in blocks():
        if lang == "python":
            ran = subprocess.run([sys.executable, "-c", body], cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=300)
            assert ran.returncode == 0, ran.stderr[-3000:]
            assert "Ferry resumes example.org" in ran.stdout
