"""A top-level module that mitokit_conform_pkg.sub imports (never pushed as related)."""
VALUE = 3
