"""Version ordering, the bundled advisory table and engine-outdated.

Old engines cannot be captured here (the machine runs Docker 20.10.24+dfsg1):
old or upstream versions are edited copies of the captured /version."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from dockertui.audit import Severity
from dockertui.audit.advisories import (
    ADVISORIES,
    affecting,
    is_distro_build,
    load_table,
    older,
    using,
    version_key,
)
from dockertui.model import EngineInfo

ORDERED = ["1.0.0-rc6", "1.0.0-rc93", "1.0.0", "1.1.5+ds1", "1.1.12"]


def test_version_key_orders_the_documented_examples() -> None:
    assert sorted(ORDERED, key=version_key) == ORDERED
    for lower, higher in pairwise(ORDERED):
        assert older(lower, higher)
        assert not older(higher, lower)


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.0-rc9", "1.0.0-rc10"),  # numerically, not as text
        ("1.0.0-beta3", "1.0.0-rc1"),
        ("19.03.0-beta3", "19.03.0"),
        ("18.09.1", "18.09.2"),
        ("18.09.9", "18.09.10"),
        ("1.3", "1.3.1"),
        ("v1.1.11", "1.1.12"),
        # Debian marks pre-releases with "~": runc 1.0.0~rc6+dfsg1 is rc6.
        ("1.0.0~rc6+dfsg1", "1.0.0-rc7"),
        # Packaging revisions do not make a release older than itself.
        ("1.1.11-0ubuntu1~22.04.1", "1.1.12"),
    ],
)
def test_version_order(lower: str, higher: str) -> None:
    assert older(lower, higher)
    assert not older(higher, lower)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("1.1.12", "1.1.12+ds1"),
        ("1.1.12", "v1.1.12"),
        ("1.6.20", "1.6.20~ds1"),  # Debian repack of 1.6.20
        ("1.1.12", "1.1.12-0ubuntu2~22.04.1"),  # Ubuntu's build of 1.1.12
        ("20.10.24", "20.10.24+dfsg1"),
        ("1.1.12", "1.1.12.0"),
    ],
)
def test_equal_versions(left: str, right: str) -> None:
    assert version_key(left) == version_key(right)


@pytest.mark.parametrize("odd", ["", "v", "unknown", "-rc", "1.0.0-", "..", "²"])
def test_version_key_never_raises(odd: str) -> None:
    key = version_key(odd)
    assert isinstance(key, tuple)
    assert older(odd, "99.0") is True


@pytest.mark.parametrize(
    ("version", "commit", "distro"),
    [
        ("1.1.5+ds1", "", True),
        ("1.6.20~ds1", "1.6.20~ds1-1+deb12u3", True),
        ("20.10.24+dfsg1", "5d6db84", True),
        ("1.1.12-0ubuntu2~22.04.1", "", True),
        ("1.1.12", "v1.1.12-0-g51d5e94", False),
        ("24.0.7", "311b9ff", False),
    ],
)
def test_is_distro_build(version: str, commit: str, distro: bool) -> None:
    assert is_distro_build(version, commit) is distro


def test_affecting_respects_affected_from() -> None:
    # CVE-2024-21626 covers runc >= 1.0.0-rc93 only.
    cves = {adv.cves for adv, _, _ in affecting({"runc": "1.0.0-rc92"})}
    assert "CVE-2024-21626" not in cves
    cves = {adv.cves for adv, _, _ in affecting({"runc": "1.0.0-rc93"})}
    assert "CVE-2024-21626" in cves
    # Line-specific fixes: containerd 1.4.3 fixes 1.4.x, 1.3.9 fixes older lines.
    assert [a.fixed_in for a, _, _ in affecting({"containerd": "1.4.1"})] == ["1.4.3"]
    assert [a.fixed_in for a, _, _ in affecting({"containerd": "1.3.8"})] == ["1.3.9"]
    assert affecting({"containerd": "1.3.9"}) == []
    # A component missing from /version is not judged.
    assert affecting({}) == []
    assert affecting({"runc": ""}) == []


#: The release just below each advisory's fix.
JUST_BELOW = {
    ("Engine", "1.3.1"): "1.3.0",
    ("Engine", "1.3.2"): "1.3.1",
    ("Engine", "1.3.3"): "1.3.2",
    ("Engine", "18.09.2"): "18.09.1",
    ("Engine", "19.03.1"): "19.03.0",
    ("runc", "1.0.0-rc7"): "1.0.0-rc6",
    ("runc", "1.1.12"): "1.1.11",
    ("runc", "1.2.8"): "1.2.7",
    ("runc", "1.3.3"): "1.3.2",
    ("containerd", "1.3.9"): "1.3.8",
    ("containerd", "1.4.3"): "1.4.2",
}


def test_every_advisory_fires_just_below_its_fix_and_not_at_it() -> None:
    assert sorted(JUST_BELOW) == sorted((a.component, a.fixed_in) for a in ADVISORIES)
    for adv in ADVISORIES:
        below = JUST_BELOW[(adv.component, adv.fixed_in)]
        assert adv in [a for a, _, _ in affecting({adv.component: below})]
        assert adv not in [a for a, _, _ in affecting({adv.component: adv.fixed_in})]


def test_captured_distro_runc_is_lowered_to_info(
    engine_info: EngineInfo, engine_findings: Callable[..., list[Any]]
) -> None:
    found = [f for f in engine_findings(engine_info) if f.check == "engine-outdated"]
    assert [f.severity for f in found] == [Severity.INFO, Severity.INFO]
    assert [f.detail for f in found] == [
        "runc 1.1.5+ds1 may be patched: it is older than 1.1.12 (CVE-2024-21626: a leaked file "
        "descriptor let a container reach the host file system), but it is a distribution "
        "build, which may carry the fix as a backport; check its changelog (advisories "
        "checked as of 2026-11-28).",
        "runc 1.1.5+ds1 may be patched: it is older than 1.2.8 (CVE-2025-31133, "
        "CVE-2025-52565, CVE-2025-52881: mount races on masked paths and /dev/console let a "
        "container write to the host's /proc), but it is a distribution build, which may "
        "carry the fix as a backport; check its changelog (advisories checked as of "
        "2026-11-28).",
    ]


def test_same_runc_upstream_is_high(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: the captured runc version without its distribution suffix or commit.
    engine = make_engine(
        version={
            "Components.2.Version": "1.1.5",
            "Components.2.Details.GitCommit": "v1.1.5-0-gf19387a",
        }
    )
    found = [f for f in engine_findings(engine) if f.check == "engine-outdated"]
    assert [(f.severity, f.detail.split(" (")[0]) for f in found] == [
        (Severity.HIGH, "runc 1.1.5 is older than 1.1.12"),
        (Severity.HIGH, "runc 1.1.5 is older than 1.2.8"),
    ]
    assert all("distribution build" not in f.detail for f in found)
    assert found[0].fix.command == "upgrade runc to 1.1.12 or later"


def test_old_upstream_engine(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: Docker 18.09.1 with containerd 1.2.2 and runc 1.0.0-rc6, the
    # upstream packages of early 2019.
    engine = make_engine(
        version={
            "Version": "18.09.1",
            "Components.0.Version": "18.09.1",
            "Components.0.Details.GitCommit": "4c52b90",
            "Components.1.Version": "1.2.2",
            "Components.1.Details.GitCommit": "9754871865f7fe2f4e74d43e2fc7ccd237edcbce",
            "Components.2.Version": "1.0.0-rc6",
            "Components.2.Details.GitCommit": "09c8266bf2fcf9519a651b04ae54c967b9ab86ed",
        }
    )
    found = [
        (f.severity, f.detail.split(":")[0])
        for f in engine_findings(engine)
        if f.check == "engine-outdated"
    ]
    assert found == [
        (Severity.HIGH, "Engine 18.09.1 is older than 18.09.2 (CVE-2019-5736)"),
        (Severity.HIGH, "Engine 18.09.1 is older than 19.03.1 (CVE-2019-14271)"),
        (Severity.HIGH, "runc 1.0.0-rc6 is older than 1.0.0-rc7 (CVE-2019-5736)"),
        (
            Severity.HIGH,
            "runc 1.0.0-rc6 is older than 1.2.8 (CVE-2025-31133, CVE-2025-52565, CVE-2025-52881)",
        ),
        (Severity.MEDIUM, "containerd 1.2.2 is older than 1.3.9 (CVE-2020-15257)"),
    ]


def test_debian_buster_runc_is_judged_as_rc6(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: Debian 10's runc reports "1.0.0~rc6+dfsg1". It is rc6 (older than
    # the rc7 fix) and a distribution build (Debian backported the fix).
    engine = make_engine(
        version={
            "Components.2.Version": "1.0.0~rc6+dfsg1",
            "Components.2.Details.GitCommit": "1.0.0~rc6+dfsg1-3",
        }
    )
    found = [f for f in engine_findings(engine) if f.check == "engine-outdated"]
    rc7 = [f for f in found if "1.0.0-rc7" in f.detail]
    assert len(rc7) == 1
    assert rc7[0].severity is Severity.INFO
    assert rc7[0].detail.startswith("runc 1.0.0~rc6+dfsg1 may be patched: it is older than")
    assert rc7[0].detail.endswith(
        "but it is a distribution build, which may carry the fix as a backport; check its "
        "changelog (advisories checked as of 2026-11-28)."
    )


def test_ubuntu_runc_1_1_12_is_not_older_than_1_1_12(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: Ubuntu 22.04's runc package, which is upstream 1.1.12.
    engine = make_engine(
        version={
            "Components.2.Version": "1.1.12-0ubuntu2~22.04.1",
            "Components.2.Details.GitCommit": "",
        }
    )
    found = [f.detail for f in engine_findings(engine) if f.check == "engine-outdated"]
    assert not any("older than 1.1.12" in d for d in found)
    assert any(
        d.startswith("runc 1.1.12-0ubuntu2~22.04.1 may be patched: it is older than 1.2.8")
        for d in found
    )


def test_engine_version_from_info_when_components_are_missing(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    # Edited: a /version without Components (API < 1.35); /info has the version.
    engine = make_engine(
        version={"Components": None, "Version": ""},
        info={"ServerVersion": "17.03.2-ce"},
    )
    assert engine.version == "17.03.2-ce"
    found = [f.detail for f in engine_findings(engine) if f.check == "engine-outdated"]
    assert found[0].startswith("Engine 17.03.2-ce is older than 18.09.2 (CVE-2019-5736)")
    assert len(found) == 2


# --- a newer table: scan --advisories FILE ------------------------------------

NEWER = """{
  "checked": "2026-12-01",
  "advisories": [
    {"component": "Engine", "fixed_in": "20.10.99", "affected_from": "20.10.0",
     "cves": "CVE-2099-0001", "summary": "a made-up escape for this test",
     "severity": "critical"}
  ]
}"""


def test_a_newer_table_replaces_the_bundled_one(
    engine_info: EngineInfo, engine_findings: Callable[..., list[Any]]
) -> None:
    table = load_table(NEWER, "new.json")
    assert table.checked == "2026-12-01" and len(table.advisories) == 1
    with using(table):
        found = [f for f in engine_findings(engine_info) if f.check == "engine-outdated"]
    # the captured engine is Debian's 20.10.24+dfsg1: "may be patched", not vulnerable
    assert [(f.severity, f.detail) for f in found] == [
        (
            Severity.INFO,
            "Engine 20.10.24+dfsg1 may be patched: it is older than 20.10.99 (CVE-2099-0001: a "
            "made-up escape for this test), but it is a distribution build, which may carry "
            "the fix as a backport; check its changelog (advisories checked as of 2026-12-01, "
            "from new.json).",
        )
    ]
    # outside the block, the bundled table again (runc's two advisories)
    assert len([f for f in engine_findings(engine_info) if f.check == "engine-outdated"]) == 2


def test_an_upstream_engine_is_judged_at_the_tables_severity(
    make_engine: Callable[..., EngineInfo], engine_findings: Callable[..., list[Any]]
) -> None:
    engine = make_engine(version={"Components.0.Version": "20.10.24"})  # edited: upstream
    with using(load_table(NEWER, "new.json")):
        found = [f for f in engine_findings(engine) if f.check == "engine-outdated"]
    assert [f.severity for f in found if f.detail.startswith("Engine")] == [Severity.CRITICAL]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "bad.json is not valid JSON (Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1))."),
        ("[]", 'bad.json needs an object with an "advisories" list.'),
        ('{"advisories": []}', 'bad.json needs "checked": the date it was checked, as YYYY-MM-DD.'),
        ('{"checked": "yesterday", "advisories": []}',
         'bad.json needs "checked": the date it was checked, as YYYY-MM-DD.'),
        ('{"checked": "2026-12-01", "advisories": [1]}', "bad.json: advisory 1 is not an object."),
        ('{"checked": "2026-12-01", "advisories": [{"component": "runc"}]}',
         "bad.json: advisory 1 needs fixed_in, cves, summary, severity as text."),
        ('{"checked": "2026-12-01", "advisories": [{"component": "runc", "fixed_in": "2",'
         ' "cves": "C", "summary": "S", "severity": "dire"}]}',
         "bad.json: advisory 1 has severity 'dire'; use one of critical, high, medium, low, "
         "info."),
    ],
)  # fmt: skip
def test_a_bad_table_is_one_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        load_table(text, "bad.json")
    assert str(raised.value) == message
