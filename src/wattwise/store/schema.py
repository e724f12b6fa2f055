"""Ordered migrations, shared by the SQLite and PostgreSQL backends.

Each entry is (version, name, statements). Applied versions are recorded in
``schema_migrations``; a database newer than this code is refused rather than guessed at.
Use only SQL both engines accept. Floating-point columns are declared DOUBLE PRECISION:
PostgreSQL's REAL is 4 bytes, which would round a Unix timestamp to about two minutes,
while SQLite gives DOUBLE PRECISION the same REAL (8-byte) affinity as REAL. Never edit an
applied migration's meaning; append a new one.
"""
from __future__ import annotations

JOB_MIGRATION = "job columns: scheduler job id and array task (runs list --job)"

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "runs, components, windows, samples", [
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            project TEXT,
            name TEXT,
            command TEXT,
            status TEXT NOT NULL,
            start_ts DOUBLE PRECISION NOT NULL,
            end_ts DOUBLE PRECISION,
            duration_s DOUBLE PRECISION,
            exit_code INTEGER,
            host TEXT,
            pid INTEGER,
            scope TEXT,
            region TEXT,
            pue DOUBLE PRECISION,
            energy_j DOUBLE PRECISION,
            facility_energy_j DOUBLE PRECISION,
            emissions_g DOUBLE PRECISION,
            intensity_g_per_kwh DOUBLE PRECISION,
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
            energy_j DOUBLE PRECISION,
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
            start_ts DOUBLE PRECISION NOT NULL,
            end_ts DOUBLE PRECISION NOT NULL,
            energy_j DOUBLE PRECISION,
            emissions_g DOUBLE PRECISION,
            components_json TEXT,
            PRIMARY KEY (run_id, seq)
        )""",
        """CREATE TABLE samples (
            run_id TEXT NOT NULL,
            t DOUBLE PRECISION NOT NULL,
            component TEXT NOT NULL,
            energy_j DOUBLE PRECISION NOT NULL,
            power_w DOUBLE PRECISION
        )""",
        "CREATE INDEX samples_run_t ON samples(run_id, t)",
    ]),
    (4, "footprint ledger", [
        # One row per line of a project's footprint (wattwise.footprint): the factor, its source and
        # year are stored as used, so a later factor table never changes what was recorded.
        """CREATE TABLE footprint_activities (
            id TEXT PRIMARY KEY,
            entry TEXT NOT NULL,
            project TEXT NOT NULL,
            kind TEXT NOT NULL,
            category TEXT NOT NULL,
            day TEXT NOT NULL,
            quantity DOUBLE PRECISION NOT NULL,
            unit TEXT NOT NULL,
            factor_kg_per_unit DOUBLE PRECISION NOT NULL,
            gco2e DOUBLE PRECISION NOT NULL,
            gco2e_low DOUBLE PRECISION,
            gco2e_high DOUBLE PRECISION,
            source TEXT NOT NULL,
            year INTEGER,
            license TEXT,
            who TEXT,
            note TEXT,
            details_json TEXT,
            created_ts DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX footprint_project ON footprint_activities(project, day)",
    ]),
    (6, JOB_MIGRATION, [
        "ALTER TABLE runs ADD COLUMN job_id TEXT",
        "ALTER TABLE runs ADD COLUMN job_task TEXT",
        "CREATE INDEX runs_job ON runs(job_id, job_task)",
    ]),
]

LATEST = MIGRATIONS[-1][0]
