"""Errors a user can meet when reaching an engine, each one clear sentence."""

from __future__ import annotations


class EngineError(Exception):
    """The engine cannot be reached or refused us. `str(err)` is one sentence
    that names the cause and what to do; the CLI prints it and exits 2."""
