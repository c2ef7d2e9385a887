"""Imported before any test module: chosho_xlsx must be imported before openpyxl is (it
keeps openpyxl on defusedxml although lxml is installed; see chosho_xlsx/__init__.py)."""

import chosho_xlsx  # noqa: F401
