"""``python -m solver`` is the ``derand`` command."""

from ._entry import main

if __name__ == "__main__":
    main()
