"""Operations the UI starts from ordinary slots; each runs a coroutine on the qasync loop."""
