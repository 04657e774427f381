"""What the security panel says about a container, section by section: one
`Facts` list per section (label, value) built from the container and the
engine. Pure Rich, no Textual; every container-supplied string goes through
`printable` and into `Text.append`, which never parses markup."""

from dockertui.ui.facts.common import Fact, Facts
from dockertui.ui.facts.host import (
    exposure_facts,
    image_facts,
    isolation_facts,
    mount_facts,
    resource_facts,
)
from dockertui.ui.facts.security import (
    capability_facts,
    identity_facts,
    mac_facts,
    syscall_facts,
)

__all__ = [
    "Fact",
    "Facts",
    "capability_facts",
    "exposure_facts",
    "identity_facts",
    "image_facts",
    "isolation_facts",
    "mac_facts",
    "mount_facts",
    "resource_facts",
    "syscall_facts",
]
