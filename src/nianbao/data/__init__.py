"""Files the package carries: the Word template (doc_template.docx) and the font stand-ins for LibreOffice
(fonts.conf). No code: it imports nothing."""
