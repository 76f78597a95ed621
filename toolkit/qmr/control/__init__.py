"""The performance officer's control workbook: named settings cells that `qmr --control` and the
Excel-side helpers in macros/ read, and the cells they write results and findings back into.

Returns stay macro-free; this workbook is the officer's own, trusted file. Without macros it is a
settings form; with the VBA modules of macros/ (or xlwings) it is a console.
"""
