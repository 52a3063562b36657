"""``python -m streams`` is the newsstream command."""

from streams.cli import main

main()
