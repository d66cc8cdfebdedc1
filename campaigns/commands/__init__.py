"""The `pester` command's subcommands; each module exposes `commands` (see campaigns.cli)."""
