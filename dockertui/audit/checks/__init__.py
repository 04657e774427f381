"""The checks, grouped as the console's security panel groups them.

Importing this package registers every check in `audit.registry.CHECKS`.
"""

from dockertui.audit.checks import (  # noqa: F401  (imported to register)
    capabilities,
    engine,
    execs,
    exposure,
    identity,
    image,
    isolation,
    kernel,
    mac,
    mounts,
    resources,
    swarm,
    syscalls,
)
