"""The official form, described once: the YAML files beside this module (labels verbatim, merges, figure
cells, arithmetic relations, named roles and layout hints), their typed model, A1 cell addressing, and
where each part lives in the input workbook.

The bottom layer: imports nothing of nianbao outside this package.
"""
