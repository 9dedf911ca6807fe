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


def test_numpy_blas_finds_the_entities_and_parse_of_blis(seed_paths):
    """The models built for numpy's BLAS multiply through numpy and tag, parse and find entities as with blis."""
    from newsloom.nlp.blas import one_blas_thread

    texts = [p.read_text(encoding="utf-8", errors="replace")[:20_000] for p in seed_paths]
    on_blis, on_numpy = load_nlp(blas="blis"), load_nlp(blas="numpy")
    assert on_blis.get_pipe("ner").model.ops.use_blis and not on_numpy.get_pipe("ner").model.ops.use_blis
    with one_blas_thread():
        got = [[(t.ent_iob_, t.ent_type_, t.dep_, t.head.i, t.tag_) for t in doc] for doc in on_numpy.pipe(texts)]
    want = [[(t.ent_iob_, t.ent_type_, t.dep_, t.head.i, t.tag_) for t in doc] for doc in on_blis.pipe(texts)]
    assert sum(len(d) for d in want) > 3000 and sum(t[0] == "B" for d in want for t in d) > 50
    assert got == want
