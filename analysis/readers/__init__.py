"""Format-specific readers behind ``analysis.io.read_recording`` (use that; these are internals)."""
