"""No name of ours hides one of Textual's. An attribute the app once set in
__init__ (`self.query = ""`) replaced Textual's `query()` method, so
Textual's own focus action raised TypeError. For every App, Screen and
Widget subclass in dockertui.ui: no attribute assigned on `self` may hide a
Textual method or read-only property (reactives and settable properties are
meant to be set), and no name defined in the class body may be one its
Textual bases have, unless it is one of Textual's documented hooks
(BINDINGS, CSS, compose, on_*, action_*, ...) or a method that extends
Textual's own (calls super() for it)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap

import pytest
from textual.dom import DOMNode
from textual.widget import Widget

import dockertui.ui

#: Class-level settings Textual documents for subclasses to set.
SETTINGS = {
    "AUTO_FOCUS",
    "BINDINGS",
    "BUTTON_INNER",
    "COMMANDS",
    "COMPONENT_CLASSES",
    "CSS",
    "CSS_PATH",
    "DEFAULT_CSS",
    "ENABLE_COMMAND_PALETTE",
    "HELP",
    "SUB_TITLE",
    "TITLE",
}
#: Methods Textual documents for subclasses to override.
HOOKS = {
    "check_action",
    "compose",
    "get_default_screen",
    "get_system_commands",
    "render",
    "render_line",
}
HOOK_PREFIXES = ("action_", "on_", "watch_", "validate_", "compute_")
#: Deliberate overrides of Textual internals, each with the reason and the
#: class that makes it: the test fails when one is no longer needed.
DELIBERATE = {
    # Tick and Choice draw their mark without colour; Textual's ToggleButton
    # has no public hook for the mark, only this property.
    ("Tick", "_button"): "the mark of a ticked checkbox",
    ("Choice", "_button"): "the mark of a chosen radio button",
}


def our_classes() -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    for info in pkgutil.walk_packages(dockertui.ui.__path__, "dockertui.ui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def textual_names(cls: type) -> dict[str, object]:
    """Every name the Textual classes `cls` derives from define, with what
    the nearest of them defines it as."""
    names: dict[str, object] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.split(".")[0] == "textual":
            names.update(vars(base))
    return names


def not_for_setting(value: object) -> bool:
    """A method, or a property without a setter: assigning on self hides it
    (a reactive, a settable property or a plain setting is meant to be set)."""
    if isinstance(value, property):
        return value.fset is None
    return inspect.isfunction(value) or isinstance(value, classmethod | staticmethod)


def extends(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the method calls the one it overrides (super().<its name>):
    it adds to Textual's method rather than replacing it."""
    return any(
        isinstance(node, ast.Attribute)
        and node.attr == method.name
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "super"
        for node in ast.walk(method)
    )


def defined_names(cls: type) -> tuple[set[str], set[str]]:
    """(names the class body defines, other than methods that extend the one
    they override; attributes its methods assign on self)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    in_body: set[str] = set()
    for node in body.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not extends(node):
                in_body.add(node.name)
        elif isinstance(node, ast.Assign):
            in_body.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            in_body.add(node.target.id)
    on_self: set[str] = set()
    for node in ast.walk(body):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(element, ast.Attribute)
                    and isinstance(element.value, ast.Name)
                    and element.value.id == "self"
                ):
                    on_self.add(element.attr)
    return in_body, on_self


def is_hook(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return dunder or name in SETTINGS or name in HOOKS or name.startswith(HOOK_PREFIXES)


def shadowed(cls: type) -> list[str]:
    theirs = textual_names(cls)
    in_body, on_self = defined_names(cls)
    hits = [
        f"class body: {name}"
        for name in sorted(in_body & theirs.keys())
        if not is_hook(name) and (cls.__name__, name) not in DELIBERATE
    ]
    hits += [
        f"self.{name} ="
        for name in sorted(on_self & theirs.keys())
        if not_for_setting(theirs[name]) and (cls.__name__, name) not in DELIBERATE
    ]
    return hits


CLASSES = our_classes()


def test_every_app_screen_and_widget_is_checked() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"DockerTUI", "MainScreen", "ContainerScreen", "EngineScreen", "HelpScreen"} <= names
    assert {"FixWizard", "ResumeScreen", "SecurityPanel", "KeyScroll"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_no_textual_name_is_shadowed(cls: type) -> None:
    assert shadowed(cls) == []


def test_deliberate_overrides_still_exist() -> None:
    by_name = {cls.__name__: cls for cls in CLASSES}
    for owner, name in DELIBERATE:
        cls = by_name.get(owner)
        assert cls is not None and name in vars(cls), f"{owner}.{name} is gone: drop it here"


class _Shadowing(Widget):
    """What the app once did, and a method named like one of Textual's."""

    def __init__(self) -> None:
        super().__init__()
        self.query = ""  # type: ignore[assignment]

    def refresh_bindings(self) -> None:
        pass

    def refresh(self, *regions: object, **kwargs: object) -> Widget:
        return super().refresh()  # extends Textual's: allowed


def test_the_check_finds_what_the_app_once_did() -> None:
    assert shadowed(_Shadowing) == ["class body: refresh_bindings", "self.query ="]
