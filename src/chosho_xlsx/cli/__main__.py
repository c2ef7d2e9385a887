"""`python -m chosho_xlsx.cli`: the same command line as `chosho-xlsx`."""

from chosho_xlsx.cli import main

main()
