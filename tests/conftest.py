"""Test-wide setup: installed plugins must not change the suite's results.

Like simonw/llm's tests, the suite loads no entry-point plugins unless a test asks for them
(tests/test_plugins.py resets the manager with the environment it needs).
"""

import os

os.environ["SPINERULES_LOAD_PLUGINS"] = ""
os.environ.pop("SPINERULES_STRICT_PLUGINS", None)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests marked ``durable`` need durable-rules, which imports on Python 3.11 and 3.12 only.

    Elsewhere they are deselected (not skipped): the suite then runs the python engine alone,
    and tests/test_engines.py checks that asking for durable there is a clear error.
    """
    from spinerules import durable_available

    if durable_available():
        return
    kept = [item for item in items if item.get_closest_marker("durable") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
