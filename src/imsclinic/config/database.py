"""DATABASES from the environment: DATABASE_URL (dj-database-url's forms, plus libpq's
multi-host form for a failover pair), an optional read replica, and what PgBouncer's
transaction pooling needs."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import dj_database_url


def parse(url: str, conn_max_age: int = 60) -> dict[str, Any]:
    """A Django database from a URL. ``postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=
    read-write`` (libpq's multi-host form, which dj-database-url cannot parse) gives HOST
    ``h1,h2`` and PORT ``5432,5432``: libpq tries each host in turn and keeps the one that
    accepts writes, so the app follows the primary after a failover. Query parameters
    (``target_session_attrs``, ``connect_timeout``) go to OPTIONS, hence to libpq."""
    netloc = urlsplit(url).netloc
    hosts = netloc.rpartition("@")[2]
    if "," not in hosts:
        return dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    pairs = [host.rpartition(":") if ":" in host else ("", "", host) for host in hosts.split(",")]
    first = hosts.split(",")[0]
    settings = dict(
        dj_database_url.parse(
            url.replace(netloc, netloc.replace(hosts, first), 1), conn_max_age=conn_max_age
        )
    )
    settings["HOST"] = ",".join(host or name for host, _, name in pairs)
    settings["PORT"] = ",".join(port for _, _, port in pairs)
    # A kept connection may point at a server that died or stopped being the primary:
    # check it once per request before use, so the request reconnects instead of failing.
    settings["CONN_HEALTH_CHECKS"] = True
    return settings


def from_environment(default_url: str) -> dict[str, dict[str, Any]]:
    """``default`` from DATABASE_URL; ``replica`` from DATABASE_REPLICA_URL when set (reports,
    clinic outcomes and the research export may read there: core/routing.py).

    IMSCLINIC_PGBOUNCER=1 when the URLs point at PgBouncer in transaction pooling mode: a
    server connection then serves one transaction, so no server-side cursor may outlive
    one (Django's ``.iterator()`` would open them). Prepared statements are off already:
    Django's psycopg 3 backend binds parameters on the client and sets
    ``prepare_threshold=None`` unless OPTIONS asks otherwise.
    """
    databases = {"default": parse(os.environ.get("DATABASE_URL", default_url))}
    replica_url = os.environ.get("DATABASE_REPLICA_URL")
    if replica_url:
        databases["replica"] = parse(replica_url)
        # Tests create no database of their own for it: it is the primary's (a mirror).
        databases["replica"]["TEST"] = {"MIRROR": "default"}
    if os.environ.get("IMSCLINIC_PGBOUNCER") == "1":
        for database in databases.values():
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return databases
