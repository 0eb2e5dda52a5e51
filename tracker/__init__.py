"""Social-media virality tracker for newsrooms.

The library is the product; the `tracker` CLI and the Dash app are thin layers over it.
Nothing happens at import time: every object is built by a factory and passed explicitly.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
