from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "madoguchi.applications"
    verbose_name = "お申込み"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.applications.models import Application
        from madoguchi.audit.labels import register_action_resolver

        verbs = {
            "submit": "お申込み受付",
            "process": "オペレーターが処理",
            "confirm": "メールアドレス確認",
        }
        verbs |= {status.value: status.label for status in Application.Status}

        def label(code: str) -> str | None:
            """``application.<kind>.<verb>``, e.g. 「メールアカウント追加：お申込み受付」; the kinds
            are the registry's, filled by the feature apps."""
            kind, _, verb = code.removeprefix("application.").partition(".")
            known = {spec.code: spec for spec in registry.kinds()}
            if kind in known and verb in verbs:
                return f"{known[kind].label}：{verbs[verb]}"
            return None

        register_action_resolver("application.", label)
