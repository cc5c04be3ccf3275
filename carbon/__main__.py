"""`python -m carbon`: the `carbon` command."""

from carbon.launch import main

if __name__ == "__main__":
    main()
