"""The plugin's own tables (Canvas custom data)."""
