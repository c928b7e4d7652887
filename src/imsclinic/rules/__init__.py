"""Framework-free clinical rules: value ranges and needling safety checks."""
