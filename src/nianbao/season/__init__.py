"""The collection season of an office that gathers the reports of its units: the roster of who must
report (roster), which unit a received file belongs to (matching), every file received recorded once in a
database (record), and per unit which version counts and what is still missing (status, sheet). Then what
the region makes of its units: their figures wherever they come from (units), the region's sum, workbook
and check (region), the figures as open data (opendata) and at a glance (overview).

May import nianbao.form, nianbao.findings, nianbao.files, nianbao.workbook (sheet helpers), nianbao.published
(text normalisation), nianbao.checks (the form's relations on a sum), nianbao.output (charts) and
nianbao.conversion (reading a file, its Status); the apps (batch, mail, web) feed it and read it.
"""
