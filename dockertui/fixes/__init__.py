"""Fixes: what to change and how to say it as docker commands (pure), and,
later, the executor that applies a plan to the engine."""
