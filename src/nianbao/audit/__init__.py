"""The evaluator's desk: many published reports read, checked, compared with each other and with last
year, scored by an editable rubric and ranked (nianbao audit). reading (one report: imported in its
sandbox, checked, every finding with its evidence), similarity (shingles and MinHash: near duplicates
without comparing every pair), cross (what only many reports show: copying, the same report twice, the
same tables), rubric (the YAML the evaluator edits, the score), outputs (评估结果.xlsx/.json, a page a report).

May import nianbao.form, nianbao.findings, nianbao.files, nianbao.workbook, nianbao.checks, nianbao.published,
nianbao.output, nianbao.conversion and nianbao.season (names as the roster matches them); the apps run it.
"""
