"""Ordered migrations, shared by the SQLite and PostgreSQL backends.

Each entry is (version, name, statements). Applied versions are recorded in
``schema_migrations``; a database newer than this code is refused rather than guessed at.
Use only SQL both engines accept (REAL maps to double precision on PostgreSQL).
"""
from __future__ import annotations

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "runs, components, windows, samples", [
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            project TEXT,
            name TEXT,
            command TEXT,
            status TEXT NOT NULL,
            start_ts REAL NOT NULL,
            end_ts REAL,
            duration_s REAL,
            exit_code INTEGER,
            host TEXT,
            pid INTEGER,
            scope TEXT,
            region TEXT,
            pue REAL,
            energy_j REAL,
            facility_energy_j REAL,
            emissions_g REAL,
            intensity_g_per_kwh REAL,
            methods TEXT,
            result_json TEXT,
            meta_json TEXT,
            wattwise_version TEXT
        )""",
        "CREATE INDEX runs_start ON runs(start_ts)",
        "CREATE INDEX runs_project ON runs(project, start_ts)",
        """CREATE TABLE components (
            run_id TEXT NOT NULL,
            name TEXT NOT NULL,
            energy_j REAL,
            method TEXT NOT NULL,
            source TEXT,
            reason TEXT,
            PRIMARY KEY (run_id, name)
        )""",
        """CREATE TABLE windows (
            run_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            name TEXT NOT NULL,
            parent TEXT,
            start_ts REAL NOT NULL,
            end_ts REAL NOT NULL,
            energy_j REAL,
            emissions_g REAL,
            components_json TEXT,
            PRIMARY KEY (run_id, seq)
        )""",
        """CREATE TABLE samples (
            run_id TEXT NOT NULL,
            t REAL NOT NULL,
            component TEXT NOT NULL,
            energy_j REAL NOT NULL,
            power_w REAL
        )""",
        "CREATE INDEX samples_run_t ON samples(run_id, t)",
    ]),
]

LATEST = MIGRATIONS[-1][0]
