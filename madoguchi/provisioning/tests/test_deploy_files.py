"""P1, P2: the configuration files shipped in deploy/ and docs/provisioning.md agree.

The files themselves are proven against the real servers in ``test_real_servers.py``.
"""

import re

from madoguchi.testing.servers import DEPLOY, statements
from madoguchi.testing.workers import BASE_DIR

DOCS = BASE_DIR / "docs" / "provisioning.md"


def shipped_files() -> set[str]:
    return {str(path.relative_to(BASE_DIR)) for path in DEPLOY.rglob("*") if path.is_file()}


def test_docs_name_every_shipped_file_and_only_those():
    """Every file of deploy/ is explained in docs/provisioning.md; every one it names exists."""
    named = set(re.findall(r"`(deploy/[^`\s]+)`", DOCS.read_text()))
    assert shipped_files() - named == set(), "not in docs/provisioning.md"
    missing = {path for path in named - shipped_files() if not (BASE_DIR / path).is_dir()}
    assert missing == set(), "named in docs/provisioning.md, not shipped"


def test_postfix_maps_for_postgresql_and_sqlite_ask_the_same():
    """The pgsql: and sqlite: maps differ only in how they reach the database."""
    for name in ("virtual-domains", "virtual-mailbox-maps", "virus-check-recipients"):
        queries = set()
        for table in ("pgsql", "sqlite"):
            text = (DEPLOY / "postfix" / f"{table}-{name}.cf").read_text()
            queries |= {line for line in text.splitlines() if line.startswith("query")}
        assert len(queries) == 1, queries


def test_no_password_column_in_the_authentication_log():
    """P1: the shipped radpostauth has no "pass" column, and the module writes none."""
    for vendor in ("postgresql", "sqlite"):
        ddl = (DEPLOY / "freeradius" / f"radpostauth.{vendor}.sql").read_text()
        create_table = statements(ddl)[0]
        assert create_table.startswith("CREATE TABLE IF NOT EXISTS radpostauth (")
        columns = re.findall(r"^\s+(\w+)\s", create_table, re.MULTILINE)
        assert columns == ["id", "username", "reply", "authdate"], columns
    module = (DEPLOY / "freeradius" / "mods-available" / "madoguchi_sql").read_text()
    module = "\n".join(line for line in module.splitlines() if not line.strip().startswith("#"))
    assert "$INCLUDE" not in module  # no stock queries.conf and its post-auth query
    assert "User-Password" not in module and "Chap-Password" not in module
    assert "INSERT INTO radpostauth (username, reply, authdate)" in module
