"""Engine access: endpoint resolution, the aiodocker client, inventory collection."""
