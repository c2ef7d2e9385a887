"""The finished 調書 workbook in the official layout (XlsxWriter).

One module per job: labels (the form's texts from templates/layout.yaml), measure (text
width and height), grid (a sheet planned as cells before it is written), styles
(formats), derived (live formulas for the derived cells), page (print setup and page
breaks), one module per part of the form, and workbook (write_chosho)."""

__all__ = ["write_chosho"]


def __getattr__(name: str):
    # Lazily, so that validation can use the form's texts (labels, joined texts)
    # without importing XlsxWriter.
    if name == "write_chosho":
        from chosho_xlsx.writers.layout.workbook import write_chosho

        return write_chosho
    raise AttributeError(name)
