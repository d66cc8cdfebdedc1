"""Web-side `pester` commands; each module exposes `commands`."""
