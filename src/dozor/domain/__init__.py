"""Pure domain rules and models: imports nothing of ours outside domain/, touches no I/O."""
