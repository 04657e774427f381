"""The guided tour: one lesson per container risk, as pure data
(`lessons.py`), and the choice of the live container or engine findings
each lesson shows (`pick.py`). No Textual, no engine, no I/O: the console's
tour screen (ui/tour_screen.py) renders it."""
