"""``newsloom.__all__`` lists exactly the public names of the package: what ``newsloom/__init__.py`` binds that is
neither private nor a submodule."""
import __future__
import types

import newsloom

_NOT_API = (types.ModuleType, __future__._Feature)  # submodules, and ``from __future__ import annotations``


def public_names(module: types.ModuleType) -> set[str]:
    """The names a module binds that are not private, not submodules and not ``__future__`` features."""
    return {n for n, v in vars(module).items() if not n.startswith("_") and not isinstance(v, _NOT_API)}


def test_all_matches_public_names():
    assert set(newsloom.__all__) - {"__version__"} == public_names(newsloom)
    assert len(newsloom.__all__) == len(set(newsloom.__all__))
    for name in newsloom.__all__:
        assert getattr(newsloom, name) is not None


def test_the_check_sees_a_name_missing_from_all():
    """The comparison can fail: a public name bound without being listed shows up."""
    probe = types.ModuleType("probe")
    probe.Listed, probe.Unlisted, probe._private, probe.sub = 1, 2, 3, types.ModuleType("probe.sub")
    probe.annotations = __future__.annotations
    assert public_names(probe) - {"Listed"} == {"Unlisted"}
