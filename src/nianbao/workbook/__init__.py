"""The input workbook: the guard that looks at a file before any parser, the sandbox that parses it with
memory and time limits, the loader (structure, figures, text) and the model it fills, the blank workbook
and its filler, and the annotated copy.

May import nianbao.form, nianbao.findings, nianbao.files and nianbao.workers; never checks, output, conversion or apps.
"""
