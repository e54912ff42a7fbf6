"""frappe: timed typing tests and audio-dictation transcription exercises, with French scoring."""

__version__ = "0.1.0"

__all__ = ["__version__"]
