"""CSV cells that spreadsheets will not run as formulas (CSV/formula injection)."""

# A cell starting with one of these is read as a formula by Excel, LibreOffice
# and Google Sheets; tab and carriage return can hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """`value` as text, with a single quote in front when a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
