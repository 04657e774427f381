"""dockertui: a security console for Docker in the terminal."""

__version__ = "0.1.0"
