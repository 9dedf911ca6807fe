"""The stages: one module per stage (registered with ``@stage`` / ``@corpus_stage``; :mod:`newsloom.plugins`
imports them), and pure cores beside them (``rules.py``, ``copy_match.py``)."""
