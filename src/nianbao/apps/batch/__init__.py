"""`nianbao batch`: every workbook of an inbox (folder or .zip) converted in isolation and in parallel,
then summarised in 汇总.xlsx and summary.json, with the combined figures on request."""
