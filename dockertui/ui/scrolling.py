"""Scroll views that keep every key.

Textual's scroll keys compute their target from `scroll_target_y` when the
key is handled, but move there only after the next refresh (and then
animate). Keys that arrive together (a held or fast-typed ↓, or Home then
↓) are all handled before that refresh, so each starts from the same old
target: ten ↓ scroll one line, and Home then ↓ ends where ↓ alone would.
`KeyScroll` moves at once, without animation, so each key starts where the
one before it ended."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.containers import VerticalScroll
from textual.widget import Widget

#: The scroll keys, as the help and the title of a scrolling dialog show them.
SCROLL_KEYS = "↑/↓ PgUp/PgDn Home/End"


if TYPE_CHECKING:
    _Scrollable = Widget
else:
    _Scrollable = object  # a plain mixin: Widget's own settings (can_focus) stay the view's


class InstantScrollKeys(_Scrollable):
    """The scroll keys' actions, moving at once: mix into any scrollable
    container ahead of its Textual class
    (`class Steps(InstantScrollKeys, ScrollableContainer)`). Textual's
    ScrollView widgets (RichLog, DataTable) scroll at once already."""

    def _scroll_now(self, y: float) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()  # nothing to scroll: let the key go on
        self.scroll_to(y=y, animate=False, immediate=True)

    def action_scroll_up(self) -> None:
        self._scroll_now(self.scroll_target_y - 1)

    def action_scroll_down(self) -> None:
        self._scroll_now(self.scroll_target_y + 1)

    def action_page_up(self) -> None:
        self._scroll_now(self.scroll_target_y - self.scrollable_content_region.height)

    def action_page_down(self) -> None:
        self._scroll_now(self.scroll_target_y + self.scrollable_content_region.height)

    def action_scroll_home(self) -> None:
        self._scroll_now(0)

    def action_scroll_end(self) -> None:
        self._scroll_now(self.max_scroll_y)


class KeyScroll(InstantScrollKeys, VerticalScroll):
    """A VerticalScroll whose keys (↑ ↓ PgUp PgDn Home End) never drop a press."""
