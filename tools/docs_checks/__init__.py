"""The website checks of tools/check_docs.py, one module per kind of check."""
