from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "madoguchi.delivery"
    verbose_name = "工事・故障情報メールの配信"

    def ready(self):
        from madoguchi.audit.labels import register_action_label
        from madoguchi.delivery import checks  # noqa: F401 (registers the deploy checks)
        from madoguchi.delivery.services import (
            AUDIT_ACTIONS,
            on_publication_recorded,
            reconcile_mailings,
        )
        from madoguchi.lib import periodic
        from madoguchi.notices.signals import publication_recorded

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
        publication_recorded.connect(on_publication_recorded, dispatch_uid="delivery.start")
        periodic.register(reconcile_mailings, "woke the senders of {count} notification mailing(s)")
