from openbmd.cli import run

run()
