"""The simulated engine for training and first contact: a teaching fleet
(`fleet.py`, pure data), an engine that holds it (`engine.py`), the Engine
API subset dockertui uses served on a private unix socket (`server.py`),
and activity over time (`activity.py`). Nothing in engine/, audit/ or ui/
knows about it: the console reaches it as it reaches any engine."""
