"""Find the console's CSS: the wheel ships it as dockertui/css; a source
checkout keeps it in the top-level css/ folder."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def css_dir() -> Path:
    for folder in (_PACKAGE / "css", _PACKAGE.parent / "css"):
        if folder.is_dir() and any(folder.glob("*.tcss")):
            return folder
    raise FileNotFoundError("dockertui's CSS folder is missing; reinstall dockertui.")


def css_files() -> list[Path]:
    """Every .tcss file, app.tcss first so screens can refine it."""
    files = sorted(css_dir().glob("*.tcss"), key=lambda p: (p.name != "app.tcss", p.name))
    return [p.resolve() for p in files]
