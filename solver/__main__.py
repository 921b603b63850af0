"""``python -m solver`` is the ``derand`` command."""

from .cli import main

if __name__ == "__main__":
    main()
