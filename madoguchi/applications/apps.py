from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "madoguchi.applications"
    verbose_name = "お申込み"

    def ready(self):
        from madoguchi.applications.models import Application
        from madoguchi.audit.labels import register_action_resolver

        verbs = {"submit": "お申込み受付", "process": "オペレーターが処理"}
        verbs |= {status.value: status.label for status in Application.Status}

        def label(code: str) -> str | None:
            """``application.<kind>.<verb>``, e.g. 「メールアカウント追加：お申込み受付」."""
            kind, _, verb = code.removeprefix("application.").partition(".")
            if kind in Application.Kind.values and verb in verbs:
                return f"{Application.Kind(kind).label}：{verbs[verb]}"
            return None

        register_action_resolver("application.", label)
