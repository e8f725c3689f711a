"""Test-wide setup: installed plugins must not change the suite's results.

Like simonw/llm's tests, the suite loads no entry-point plugins unless a test asks for them
(tests/test_plugins.py resets the manager with the environment it needs).
"""

import os

os.environ["SPINERULES_LOAD_PLUGINS"] = ""
os.environ.pop("SPINERULES_STRICT_PLUGINS", None)
