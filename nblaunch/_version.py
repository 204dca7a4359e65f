"""The one place nblaunch's version is written (a test checks the labextension agrees)."""

__version__ = "0.1.0"
