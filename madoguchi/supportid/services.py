"""お客さまサポートID (S2): registration, confirmation, password, reminder, withdrawal."""

REGISTER_ACTION = "supportid.register"
CONFIRM_ACTION = "supportid.confirm"
PASSWORD_ACTION = "supportid.password"
RESET_ACTION = "supportid.reset"
WITHDRAW_ACTION = "supportid.withdraw"
LOGIN_ACTION = "support.login"
AUDIT_ACTIONS = {
    REGISTER_ACTION: "お客さまサポートIDの仮登録",
    CONFIRM_ACTION: "お客さまサポートIDの本登録",
    PASSWORD_ACTION: "お客さまサポートIDのパスワード変更",
    RESET_ACTION: "お客さまサポートIDのパスワード再設定",
    WITHDRAW_ACTION: "お客さまサポートIDの退会",
    LOGIN_ACTION: "お客さまサポートへのログイン",
}
