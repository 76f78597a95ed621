"""Spreadsheet cell addresses: column letters and numbers, as every workbook module needs them."""

from __future__ import annotations


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """A -> 1, AA -> 27."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char.upper()) - 64
    return number
