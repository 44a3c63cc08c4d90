"""Checks on a loaded workbook: the form's arithmetic and relations, metadata, text hygiene, figures in
the narrative against the tables, last year's workbook, acknowledged warnings. A check only reads the
model and returns findings.

May import nianbao.workbook, nianbao.form and nianbao.findings; never output, conversion or apps.
"""
