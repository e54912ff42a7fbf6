"""frappe benchmarks: ``make bench`` (``python -m benchmarks``) runs every bench module."""
