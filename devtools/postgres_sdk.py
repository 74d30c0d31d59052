"""The SDK's side of the PostgreSQL stack: run in child processes that `devtools.postgres` starts.

    python -m devtools.postgres_sdk build-base <seed file>    # as the cluster's admin role
    python -m devtools.postgres_sdk install <plugin>          # the schema manager's install step
    python -m devtools.postgres_sdk run-plugin <plugin>       # the runner, serving on :50051

Each command configures Django from the SDK's own `settings.py` with `DATABASE_URL` set, as a
Canvas instance does; the parent process never imports Django with these settings.

- `build-base`: `canvas run-plugin --db-seed-file` runs `migrate --run-syncdb` and the seed. On
  PostgreSQL the same command creates almost nothing, because the SDK marks its models
  `managed = IS_SQLITE` (on an instance they are home-app's tables and views). So after the same
  `migrate`, the schema editor creates every SDK model's table, exactly what `--run-syncdb` does
  for the managed models on SQLite. Then the seed runs, the SDK's role (`canvas_sdk_read_only`)
  may read every Canvas table and write none, and the two home-app tables the plugin installer
  reads (`plugin_io_plugin`, `plugin_io_pluginsecret`) are created.
- `install`: the schema-manager branch of `plugin_runner.installation.install_plugin`, verbatim:
  `setup_read_write_namespace` (schema, `namespace_auth` keys from SECRETS.json, as Control Room
  mints them), `generate_plugin_migrations` (the plugin's tables, created over the SDK role's
  Django connection), `mark_namespace_ready`.
- `run-plugin`: `plugin_runner.plugin_runner.main([plugin])`, what `canvas run-plugin` calls
  after its SQLite-only check; the runner verifies the namespace key at load.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path

HOME_APP_TABLES = """
CREATE TABLE IF NOT EXISTS plugin_io_plugin (
    id SERIAL PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    package VARCHAR(255) NOT NULL DEFAULT '',
    version VARCHAR(64) NOT NULL DEFAULT '',
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE TABLE IF NOT EXISTS plugin_io_pluginsecret (
    id SERIAL PRIMARY KEY,
    plugin_id INTEGER NOT NULL REFERENCES plugin_io_plugin(id),
    key VARCHAR(255) NOT NULL,
    value TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (plugin_id, key)
);
"""


def _project_root() -> Path:
    return Path(os.environ.get("PLUGIN_DIRECTORY") or os.getcwd()).resolve()


def _setup_django() -> None:
    """Configure Django from the SDK's settings (DATABASE_URL is set: the postgres backend)."""
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("DATABASE_URL is not set: this module only runs on PostgreSQL")
    import canvas_sdk  # noqa: F401  (django.setup() with the SDK's settings)
    import settings

    if settings.CANVAS_SDK_DB_BACKEND != "postgres":
        raise SystemExit(f"the SDK chose {settings.CANVAS_SDK_DB_BACKEND}, not postgres")


def create_sdk_tables() -> int:
    """`migrate --run-syncdb`, then a table for every SDK model it skipped; returns how many."""
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", run_syncdb=True, verbosity=0)
    existing = set(connection.introspection.table_names())
    created = 0
    with connection.schema_editor() as editor:
        for model in apps.get_app_config("v1").get_models():
            if model._meta.proxy or model._meta.db_table in existing:
                continue
            editor.create_model(model)  # also its auto-created many-to-many tables
            existing.add(model._meta.db_table)
            created += 1
    return created


def grant_sdk_role(role: str, password: str) -> None:
    """The SDK's login role: it reads every Canvas table and writes none (as on an instance)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE ROLE "{role}" LOGIN PASSWORD %s', [password])
        cursor.execute(HOME_APP_TABLES)
        cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        cursor.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')


def build_base(seed_file: Path) -> None:
    """The Canvas schema, the seed and the roles, in the cluster DATABASE_URL names."""
    _setup_django()
    created = create_sdk_tables()
    runpy.run_path(str(seed_file), run_name="__main__")
    grant_sdk_role(os.environ["POSTGRES_SDK_ROLE"], os.environ["POSTGRES_SDK_ROLE_PASSWORD"])
    print(f"created {created} SDK tables; seeded from {seed_file}")


def install(plugin_name: str) -> None:
    """Create the plugin's namespace and custom-data tables as the schema manager does."""
    _setup_django()
    from plugin_runner.ddl import generate_plugin_migrations
    from plugin_runner.namespace import (
        compute_models_hash,
        mark_namespace_ready,
        open_database_connection,
        setup_read_write_namespace,
    )

    plugin_path = _project_root() / plugin_name
    manifest = json.loads((plugin_path / "CANVAS_MANIFEST.json").read_text())
    custom_data = manifest.get("custom_data")
    if not custom_data or custom_data.get("access") != "read_write":
        raise SystemExit(f"{plugin_name} declares no read_write custom data")
    schema = str(custom_data["namespace"])
    secrets = json.loads((plugin_path / "SECRETS.json").read_text())
    with open_database_connection() as conn:  # the plugin's row, as `canvas install` leaves it
        conn.execute(
            "INSERT INTO plugin_io_plugin (name, package, version) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO NOTHING",
            (plugin_name, f"plugins/{plugin_name}.tar.gz", manifest.get("plugin_version", "")),
        )
        conn.commit()
    setup_read_write_namespace(plugin_name, schema, secrets)
    models = generate_plugin_migrations(plugin_name, plugin_path, schema)
    mark_namespace_ready(schema, plugin_name, compute_models_hash(plugin_path))
    print(f"namespace {schema}: {', '.join(m.__name__ for m in models)}")


def run_plugin(plugin_name: str) -> None:
    """Serve the plugin on 127.0.0.1:50051 with PLUGIN_RUNNER_MAX_WORKERS threads."""
    _setup_django()
    from plugin_runner.plugin_runner import main as run_server

    run_server([plugin_name])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("build-base", "install", "run-plugin"):
        print(__doc__, file=sys.stderr)
        return 2
    command, argument = argv
    if command == "build-base":
        build_base(Path(argument))
    elif command == "install":
        install(argument)
    else:
        run_plugin(argument)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
