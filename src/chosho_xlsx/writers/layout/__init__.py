"""The finished 調書 workbook in the official layout (XlsxWriter).

One module per job: measure (text width and height), grid (a sheet planned as cells
before it is written), styles (formats), derived (live formulas for the derived cells),
page (print setup and page breaks), one module per part of the form, and workbook
(write_chosho). The form's texts (the labels of form/layout.yaml, the texts joined
into one cell) are model.form_texts, shared with the contract's checks."""

__all__ = ["write_chosho"]


def __getattr__(name: str):
    # Lazily, so that the modules that import no XlsxWriter (page, measure, grid) can be
    # used without it: the book's front matter takes its page setup from page.
    if name == "write_chosho":
        # lazy: the 調書 writer (XlsxWriter, ~0.25 s with its layout) only when a 調書 is written
        from chosho_xlsx.writers.layout.workbook import write_chosho

        return write_chosho
    raise AttributeError(name)
