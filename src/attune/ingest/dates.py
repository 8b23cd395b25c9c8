"""Date vocabulary several exports share."""

from __future__ import annotations

ENGLISH_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        1,
    )
    for name in names.split()
}
"""Lower-case English month names and abbreviations → month number."""
