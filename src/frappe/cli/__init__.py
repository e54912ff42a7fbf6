"""The ``frappe`` command line: :mod:`frappe.cli.main` builds the parser from one module per
command family. Nothing outside this package imports it."""
