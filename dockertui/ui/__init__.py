"""The live console: a Textual app over `engine.watch` updates. Knows
Textual and the audit model; never talks HTTP itself."""
