"""``python -m frappe.cli``: the same as the ``frappe`` console script."""

import sys

from frappe.cli.main import main

sys.exit(main())
