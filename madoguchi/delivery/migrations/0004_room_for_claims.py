"""PostgreSQL: leave room in each page of delivery rows, so that a claim (which sets only the
unindexed lease and attempts) is a HOT update that writes no index entry."""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value=70):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE delivery_delivery SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE delivery_delivery RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("delivery", "0003_notable_index")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
