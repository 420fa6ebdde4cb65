"""Use cases: where domain objects meet ports. Each service gets its ports in its constructor."""
