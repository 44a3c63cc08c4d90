"""What is made from a checked workbook: the report's context (with the generated sentences), the Word
template and the .docx, the HTML preview and fragment, the JSON data, the PDF (LibreOffice).

May import nianbao.workbook, nianbao.form, nianbao.findings and nianbao.files; never checks, conversion or apps.
"""
