"""``newsloom.__all__`` lists exactly the public names of the package."""
import newsloom


def test_all_matches_public_names():
    public = {n for n in dir(newsloom) if not n.startswith("_")} - {
        # submodules are importable but not part of the flat API
        "errors", "model", "pipeline", "settings", "ingest", "loom", "readers", "storage", "stages", "export",
        "exports", "published", "nlp", "cli", "eval", "annotations", "coverage", "fetch", "watch",
    }
    public = {n for n in public if not isinstance(getattr(newsloom, n), type(newsloom))}
    assert set(newsloom.__all__) - {"__version__"} == public
    for name in newsloom.__all__:
        assert hasattr(newsloom, name)
