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
