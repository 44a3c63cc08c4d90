"""Last year's report as published (a web page, a Word file or a PDF) read back: its tables into the form's cells
by their labels, its text into the workbook's sections by their headings — for `nianbao import`.

May import nianbao.form, nianbao.findings, nianbao.files and nianbao.workbook; never checks, output,
conversion or apps.
"""

# What --previous (check, convert, batch, web) takes as last year's report rather than its workbook.
PUBLISHED_SUFFIXES = (".html", ".htm", ".docx", ".pdf")
