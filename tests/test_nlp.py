"""The spaCy model: loaded only after its files match the pinned hashes; a clear error when not."""
from __future__ import annotations

import json
import shutil
from importlib import resources

import pytest

from newsloom.errors import MissingDependency
from newsloom.nlp import PIP_LINE, ModelAltered, load_nlp, model_dir, verify_model


def _pinned() -> dict[str, str]:
    return json.loads(resources.files("newsloom").joinpath("data", "en_core_web_sm-3.8.0.sha256.json").read_text())


@pytest.fixture
def model_copy(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(model_dir(), dst)
    return dst


def test_installed_model_verifies():
    assert verify_model() == model_dir()
    assert len(_pinned()) >= 5  # config, meta and the weights of every component are pinned


def test_one_changed_byte_is_refused(model_copy):
    rel = next(r for r in _pinned() if r.endswith("model") or "ner" in r)
    f = model_copy / rel
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01
    f.write_bytes(bytes(data))
    with pytest.raises(ModelAltered) as err:
        verify_model(model_copy)
    assert rel.split("/")[-1] in str(err.value) and "pip install --force-reinstall" in str(err.value)
    assert err.value.code == "E501"


def test_missing_file_names_the_pip_line(model_copy):
    rel = next(iter(_pinned()))
    (model_copy / rel).unlink()
    with pytest.raises(MissingDependency) as err:
        verify_model(model_copy)
    assert PIP_LINE in str(err.value) and str(model_copy / rel) in str(err.value)


def test_load_once_per_disable_set():
    assert load_nlp() is load_nlp()
    assert "ner" in load_nlp().pipe_names


def test_parallel_parse_gives_the_same_annotations(tmp_path):
    """stages.nlp.n_process = 2 parses in two processes; what is stored must not change."""
    import json

    from newsloom import Loom, Settings

    rows = [{"id": f"p{i}", "title": f"Talks {i}", "text": f"Mayor Ada Quill met union leaders in Port Calder on "
             f"Tuesday. \u201cWe agreed on {i + 2} points,\u201d Quill said. The council will vote on Friday."}
            for i in range(6)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stored = []
    for n in (1, 2):
        settings = Settings.load(env={}, overrides={"stages.nlp.n_process": n})
        with Loom(tmp_path / f"n{n}.db", settings=settings) as loom:
            assert loom.ingest(str(src)).stored == 6
            stored.append([loom.store.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                           for t in ("mentions", "quotes", "dates", "events")])
    assert stored[0] == stored[1] and stored[0][0] > 0 and stored[0][1] == 6
