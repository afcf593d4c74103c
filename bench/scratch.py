"""Scratch databases for the benchmarks: next to the real one (same server, same role), never the real one."""

import os
import urllib.parse

import psycopg2
from psycopg2 import sql

PREFIX = "landreg_bench_"


def connection_params(dbname: str) -> dict:
    """psycopg2 parameters from DATABASE_URL (the socket directory may be in ?host=), for another database."""
    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    query = urllib.parse.parse_qs(url.query)
    params = {
        "dbname": dbname,
        "user": urllib.parse.unquote(url.username or "") or None,
        "password": urllib.parse.unquote(url.password or "") or None,
        "host": query.get("host", [url.hostname or os.environ.get("LANDREG_PGHOST", "")])[0] or None,
        "port": url.port,
    }
    return {k: v for k, v in params.items() if v is not None}


def database_url(dbname: str) -> str:
    """DATABASE_URL with another database name."""
    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    return urllib.parse.urlunparse(url._replace(path=f"/{dbname}"))


def admin(statement: sql.Composable) -> None:
    """Run a statement that cannot run in a transaction (CREATE / DROP DATABASE) from the postgres database."""
    conn = psycopg2.connect(**connection_params("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def create_database(name: str) -> None:
    assert name.startswith(PREFIX), f"a scratch database's name starts with {PREFIX}"
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    assert name.startswith(PREFIX), f"a scratch database's name starts with {PREFIX}"
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
