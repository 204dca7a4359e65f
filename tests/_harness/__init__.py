"""Test harness shared by every part's tests (importable as ``_harness``: ``tests/`` is on
``sys.path`` through the root conftest). ``waiting.wait_until`` is the one way tests wait."""
