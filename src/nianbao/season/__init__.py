"""The collection season of an office that gathers the reports of its units: the roster of who must
report (roster), which unit a received file belongs to (matching), every file received recorded once in a
database (record), and per unit which version counts and what is still missing (status, sheet).

May import nianbao.form, nianbao.findings, nianbao.files, nianbao.workbook (sheet helpers), nianbao.published
(text normalisation) and
nianbao.conversion (a file's Status); the apps (batch, mail, web) feed it and read it.
"""
