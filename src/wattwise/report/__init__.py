"""Turning stored runs into things people read: summaries, exports, statements, reports."""
