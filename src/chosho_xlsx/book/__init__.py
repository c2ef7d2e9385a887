"""Above the pipeline and the batch: the year's 調書 as one PDF book (`chosho-xlsx publish`).

publish gathers the inputs (department workbooks are built first, through the batch),
has LibreOffice print every part (render), and frontmatter writes the cover, the contents
and the footer pages; binding puts the PDF book together with pikepdf."""
