"""CSV files that spreadsheet applications open safely and read as UTF-8.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) get a leading apostrophe, so opening the file runs nothing (OWASP "CSV
injection"). Files start with a byte-order mark so spreadsheet applications read them as UTF-8.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"


def safe_cell(value) -> str | int:
    """The value as a cell a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
