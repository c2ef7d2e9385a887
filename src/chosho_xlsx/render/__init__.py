"""Stage 5, rendering: finished workbooks in; PDF pages out, through LibreOffice.

libreoffice runs the headless office, preview prints workbooks to PDF/PNG, publish binds
the year's 調書 into one PDF book (bookfront its cover and contents, bookpdf the binding)."""
