"""Run the command line: ``python -m repost``."""

from repost.cli import main

if __name__ == "__main__":
    main()
