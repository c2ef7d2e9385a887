"""Rendering (above the writers): finished workbooks in; PDF pages (and PNGs) out, through LibreOffice.

libreoffice runs the headless office (a private profile, recalculation on load, one
process per share of the files), preview prints workbooks to PDF/PNG for a person to look
at. The book of the year is put together above this layer, in book/."""
