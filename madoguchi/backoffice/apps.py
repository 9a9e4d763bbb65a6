from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "madoguchi.backoffice"
    verbose_name = "バックオフィス"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.backoffice.roles import ROLE_CHANGE_ACTION, sync_roles_after_migrate

        # After every migrate (and a test database's flush): the roles' groups (B5).
        post_migrate.connect(
            sync_roles_after_migrate, sender=self, dispatch_uid="backoffice_sync_roles"
        )
        register_action_label(ROLE_CHANGE_ACTION, "オペレーターの権限変更")
