"""What several test folders share: fakes (``fakes``), a real PostgreSQL (``postgres_server``,
a pytest plugin), a real full disk (``full_disk``, a plugin too), the correction exercise's
finished record (``correction``). ``tests/`` is on ``sys.path`` (the root conftest's folder):
import them as ``support.<module>``."""
