"""The submission portal (`chosho-xlsx serve`): departments upload their workbooks and see
the findings at their cells; the planning division follows every 施策's status, returns or
locks submissions and builds the 調書 of all of them.

A Django project and app in one package, on top of the pipeline (check_file, annotate,
batch.build.run, preview): the portal validates and builds nothing itself. Importing this
package imports no Django; commands.py does, inside the commands."""
