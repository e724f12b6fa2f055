"""Dataset builders for scripts/build_data.py (one module per shipped table)."""
