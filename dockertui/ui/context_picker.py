"""The context picker (`c`, or "Switch context" in the palette): the docker
CLI's contexts as `docker context ls` lists them, the one (or ones) watched
marked; Enter switches the console to the chosen one in place, Escape
leaves it as it is. A context that cannot be used is listed with its reason
and cannot be chosen. Styles live in css/contexts.tcss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from dockertui.engine.contexts import ContextEntry
from dockertui.text import printable


def entry_text(entry: ContextEntry, watched: bool) -> Text:
    """One context: its name (marked when watched or current), address, TLS
    and description; or why it cannot be used."""
    mark = "● " if watched else "  "
    text = Text(mark, style="bold green")
    text.append(printable(entry.name), style="bold")
    if entry.current:
        text.append(" (current)", style="cyan")
    if entry.description:
        text.append(f"  {printable(entry.description)}", style="dim")
    if entry.endpoint is None:
        text.append(f"\n    {printable(entry.error)}", style="red")
        return text
    text.append(f"\n    {printable(entry.host)}")
    if entry.tls:
        verifies = entry.tls == "verified"
        said = "TLS, checks the server" if verifies else "TLS without checking the server"
        text.append(f"  {said}", style="green" if verifies else "yellow")
    elif entry.endpoint.plain_tcp:
        text.append("  plain tcp, no TLS", style="bold red")
    return text


class ContextPicker(ModalScreen[str | None]):
    """Dismissed with the chosen context's name, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("q", "cancel", "Cancel", show=False),
    ]

    def __init__(self, entries: Sequence[ContextEntry], watched: Sequence[str]) -> None:
        super().__init__()
        self.entries = list(entries)
        self.watched = set(watched)
        # Engines watched, not contexts: -H engines all have the default one.
        self.engines = len(watched)

    def compose(self) -> ComposeResult:
        title = Text("Switch the console to a context", style="bold")
        if self.engines > 1:
            title.append(f" (it replaces the {self.engines} engines watched)", style="yellow")
        with Vertical(id="contexts-box"):
            yield Static(title, id="contexts-title")
            options = [
                Option(
                    entry_text(e, e.name in self.watched),
                    id=e.name,
                    disabled=e.endpoint is None,
                )
                for e in self.entries
            ]
            yield OptionList(*options, id="contexts-list")
            yield Static(
                Text("Enter switches in place · Escape keeps this one", style="dim"),
                id="contexts-hint",
            )

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        first = next((i for i, e in enumerate(self.entries) if e.name in self.watched), 0)
        listing.highlighted = first
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
