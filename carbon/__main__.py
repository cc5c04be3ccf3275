"""`python -m carbon`: the `carbon` command."""

from carbon.cli import main

if __name__ == "__main__":
    main(prog_name="carbon")
