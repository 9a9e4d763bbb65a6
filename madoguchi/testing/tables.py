"""Every row of every table of the test database as text: where a leaked secret would show."""

from django.db import connection


def table_scan() -> str:
    """Every row of every table as text, binary columns decoded.

    Every table the database has, not only Django's: FreeRADIUS's radpostauth too.
    """
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                lines.append(" ".join(text_of(value) for value in row))
    return "\n".join(lines)


def text_of(value) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
