"""The measuring side of wattwise: how a node's energy becomes a job's.

``attribution`` holds the one rule every sensor path uses (see docs/accounting.md). The
tracker, meter, sensors and process readers will move under this package as they are
touched (DESIGN.md); their ``wattwise.<name>`` imports keep working.
"""
