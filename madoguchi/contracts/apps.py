from django.apps import AppConfig

# The audit log's operations written by this app (X7), as operators read them.
AUDIT_ACTIONS = {
    "desk.login": "カスタマサポートデスクへのログイン",
    "login.unlock": "ログインロック解除",
    "contract.flags.update": "ご契約の設定変更",
    "phone_page.update": "お電話での問い合わせページの変更",
    "account.create": "ログインアカウントの作成",
    "account.update": "ログインアカウントの変更",
}


class ContractsConfig(AppConfig):
    name = "madoguchi.contracts"
    verbose_name = "ご契約"

    def ready(self):
        from madoguchi.audit.labels import register_action_label

        for code, label in AUDIT_ACTIONS.items():
            register_action_label(code, label)
