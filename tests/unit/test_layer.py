"""The writable layer read against the mounts (fixes/layer.py): what the
review names and what the copy takes. The change lists have the shape
GET /containers/{id}/changes gives on dockerd 20.10 (Kind 0 changed,
1 added, 2 deleted; every changed path listed, parents included)."""

from __future__ import annotations

from dockertui.fixes.layer import CopyItem, LayerSummary, mount_points, summarize


def changes(*entries: str) -> list[dict[str, object]]:
    kinds = {"C": 0, "A": 1, "D": 2}
    return [{"Path": e[2:], "Kind": kinds[e[0]]} for e in entries]


def test_a_volume_inside_a_folder_of_the_image_is_never_copied() -> None:
    """`-v data:/var/vol`: /var changes only because the engine made the
    mount point. Copying /var whole would stream the volume out and back."""
    found = summarize(changes("C /var", "A /var/vol"), ["/var/vol"])
    assert found.items == () and found.changed == () and found.empty


def test_an_added_folder_with_a_mount_inside_goes_entry_by_entry() -> None:
    layer = changes("A /srv", "A /srv/app", "A /srv/app/cache", "A /srv/app/notes.txt")
    found = summarize(layer, ["/srv/app/cache"])
    assert found.items == (
        CopyItem("/srv", whole=False),
        CopyItem("/srv/app", whole=False),
        CopyItem("/srv/app/notes.txt", whole=True),
    )
    assert found.changed == ("/srv", "/srv/app", "/srv/app/notes.txt")


def test_folders_the_engine_made_for_a_mount_alone_are_left_to_it() -> None:
    found = summarize(changes("A /srv", "A /srv/app", "A /srv/app/cache"), ["/srv/app/cache"])
    assert found.items == () and found.changed == ()


def test_changed_files_in_image_folders_and_an_added_tree() -> None:
    layer = changes(
        "C /etc", "C /etc/passwd", "A /etc/app.conf",
        "A /opt", "A /opt/a", "A /opt/a/f", "D /bin/ls", "C /bin",
    )  # fmt: skip
    found = summarize(layer, [])
    assert found.items == (
        CopyItem("/etc/app.conf", True),
        CopyItem("/etc/passwd", True),
        CopyItem("/opt", True),
    )
    assert found.deleted == ("/bin/ls",)
    assert "/etc" not in found.changed and "/opt/a/f" in found.changed


def test_a_mount_the_new_container_adds_hides_what_lies_under_it() -> None:
    found = summarize(changes("C /tmp", "A /tmp/x", "A /srv.bin"), [], ["/tmp"])
    assert found.hidden == ("/tmp/x",)
    assert found.items == (CopyItem("/srv.bin", True),)


def test_mounts_and_the_kernel_file_systems_are_not_the_layer() -> None:
    layer = changes("A /data", "A /data/x", "A /proc/1", "A /dev/shm/x", "A /etc/hostname")
    doc = {
        "Mounts": [{"Destination": "/data"}],
        "HostConfig": {"Binds": ["/h:/etc/hostname:ro"], "Tmpfs": {"/run": ""}},
    }
    assert mount_points(doc) == {"/data", "/etc/hostname", "/run"}
    assert summarize(layer, mount_points(doc)).empty


def test_the_review_names_the_first_twenty_and_the_count() -> None:
    many = [f"/f{i:02d}" for i in range(25)]
    found = LayerSummary(changed=tuple(many), deleted=("/bin/ls",), size=2048)
    lines = found.lines("web", copy=True)
    assert lines[0].startswith(
        "The writable layer of web holds 25 added or changed paths (2.0 kB in all)"
    )
    assert "copied into the new container" in lines[0]
    assert lines[1:21] == [f"  {p}" for p in many[:20]] and lines[21] == "  … and 5 more"
    assert lines[22] == "1 path deleted in the layer comes back from the image:"
    assert "NOT copied" in found.lines("web", copy=False)[0]
    assert LayerSummary().lines("web", copy=True) == []


def test_hidden_paths_are_not_counted_among_those_copied() -> None:
    found = summarize(changes("C /tmp", "A /tmp/x", "A /srv.bin"), [], ["/tmp"], size=0)
    lines = found.lines("web", copy=True)
    assert lines[0].startswith(
        "The writable layer of web holds 1 added or changed path (0 B in all)"
    )
    assert lines[1] == "  /srv.bin"
    assert lines[2].startswith("1 added or changed path lies under a mount the new container adds")
    assert lines[3] == "  /tmp/x"
