"""The ``frappe`` command line: :mod:`frappe.cli.main` builds the parser from one module per
command family. Nothing outside this package imports it."""

import os

# numpy's OpenBLAS starts a thread pool when numpy is imported (a third of numpy's import
# time, spent spinning on the other cores) and rebuilds it in every forked worker of
# ``frappe score``. frappe's numpy work is element-wise or on small vectors, which OpenBLAS
# runs on one thread anyway: one thread unless the user asks otherwise. Set here, before any
# command module imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
