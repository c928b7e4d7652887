"""DATABASE_URL: libpq's multi-host form reaches the driver whole, so the app follows the
primary of a failover pair (docs/deployment.md)."""

from __future__ import annotations

from imsclinic.config.database import from_environment, parse


def test_multi_host_url_gives_every_host_and_port_to_libpq():
    settings = parse(
        "postgres://ims:pw@10.0.0.1:5433,db2:5434/clinic"
        "?target_session_attrs=read-write&connect_timeout=2"
    )
    assert settings["HOST"] == "10.0.0.1,db2"
    assert settings["PORT"] == "5433,5434"
    assert (settings["NAME"], settings["USER"], settings["PASSWORD"]) == ("clinic", "ims", "pw")
    assert settings["OPTIONS"] == {"target_session_attrs": "read-write", "connect_timeout": 2}
    assert settings["CONN_HEALTH_CHECKS"] is True


def test_single_host_url_is_parsed_as_before():
    settings = parse("postgres://ims:pw@127.0.0.1:5432/clinic")
    assert (settings["HOST"], settings["PORT"]) == ("127.0.0.1", 5432)
    assert settings["CONN_HEALTH_CHECKS"] is False


def test_pgbouncer_turns_off_server_side_cursors_and_a_replica_is_added(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ims:pw@127.0.0.1:6432/clinic")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://ims:pw@127.0.0.1:6433/clinic")
    monkeypatch.setenv("IMSCLINIC_PGBOUNCER", "1")
    databases = from_environment("sqlite:///unused")
    assert databases["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert databases["replica"]["TEST"] == {"MIRROR": "default"}
    # Django binds parameters on the client and disables prepared statements unless asked.
    assert "prepare_threshold" not in databases["default"].get("OPTIONS", {})
