"""The plugin system: hook contract, discovery, and per-program gating."""
