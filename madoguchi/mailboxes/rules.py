"""Account names, mail passwords (D4.9) and monthly prices (D4.10)."""

import re
from dataclasses import dataclass

from madoguchi.lib.passwords import ALLOWED_RE, allowed_characters_message

ACCOUNT_MIN, ACCOUNT_MAX = 3, 32
ACCOUNT_CHARS_RE = re.compile(r"^[a-z0-9._-]*$")
PASSWORD_MIN, PASSWORD_MAX = 8, 16
PASSWORD_CHARS_RE = ALLOWED_RE

# Names that belong to the service and its operators (RFC 2142 and common system names).
RESERVED_ACCOUNTS = frozenset(
    {
        "abuse", "admin", "administrator", "billing", "daemon", "ftp", "help", "hostmaster",
        "info", "mail", "mailer-daemon", "marketing", "news", "noc", "nobody", "noreply",
        "no-reply", "postmaster", "root", "sales", "security", "support", "sysadmin",
        "system", "usenet", "uucp", "webmaster", "www",
    }
)  # fmt: skip

ACCOUNT_MESSAGES = {
    "length": f"メールアカウントは{ACCOUNT_MIN}文字以上{ACCOUNT_MAX}文字以下で入力してください。",
    "characters": ("メールアカウントに使用できるのは、半角英小文字・数字と「.」「-」「_」です。"),
    "first": "メールアカウントは半角英小文字で始めてください。",
    "dots": "メールアカウントに「.」を続けて使用することはできません。",
    "last_dot": "メールアカウントの最後に「.」は使用できません。",
    "reserved": "このメールアカウントはご利用いただけません。別のアカウントを指定してください。",
    "taken": "ご希望のメールアカウントは既に使用されています。別のアカウントを指定してください。",
}

PASSWORD_MESSAGES = {
    "length": f"メールパスワードは{PASSWORD_MIN}文字以上{PASSWORD_MAX}文字以下で入力してください。",
    "characters": allowed_characters_message("メールパスワード"),
    "composition": "メールパスワードには英字と数字をそれぞれ1文字以上含めてください。",
    "mismatch": "メールパスワードとメールパスワード(確認の為再入力)が一致しません。",
}


def account_name_errors(name: str) -> list[str]:
    """Every D4.9 rule the account name breaks (uniqueness is checked by the database)."""
    errors = []
    if not ACCOUNT_MIN <= len(name) <= ACCOUNT_MAX:
        errors.append(ACCOUNT_MESSAGES["length"])
    if not ACCOUNT_CHARS_RE.fullmatch(name):
        errors.append(ACCOUNT_MESSAGES["characters"])
    if name and not ("a" <= name[0] <= "z"):
        errors.append(ACCOUNT_MESSAGES["first"])
    if ".." in name:
        errors.append(ACCOUNT_MESSAGES["dots"])
    if name.endswith("."):
        errors.append(ACCOUNT_MESSAGES["last_dot"])
    if name in RESERVED_ACCOUNTS:
        errors.append(ACCOUNT_MESSAGES["reserved"])
    return errors


def mail_password_errors(password: str) -> list[str]:
    """Every D4.9 rule the mail password breaks."""
    errors = []
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors.append(PASSWORD_MESSAGES["length"])
    if not PASSWORD_CHARS_RE.fullmatch(password):
        errors.append(PASSWORD_MESSAGES["characters"])
    has_letter = any(char.isascii() and char.isalpha() for char in password)
    has_digit = any(char.isascii() and char.isdigit() for char in password)
    if not (has_letter and has_digit):
        errors.append(PASSWORD_MESSAGES["composition"])
    return errors


# D4.10: monthly price of the mail addresses by how many the contract has (tax excluded),
# and of the virus check per address. Integer yen; consumption tax 10 %.
ACCOUNT_PRICES = {0: 0, 1: 0, 2: 250, 3: 350, 4: 450}
VIRUS_CHECK_PRICE = 200
TAX_PERCENT = 10


@dataclass(frozen=True)
class Charge:
    """A monthly charge in integer yen, without and with tax."""

    net: int

    @property
    def gross(self) -> int:
        # Rounded down, as consumption tax on a price is; exact for every price listed.
        return self.net * (100 + TAX_PERCENT) // 100

    def __str__(self) -> str:
        return f"{self.net:,}円（税込 {self.gross:,}円）"


def monthly_charge(*, accounts: int, virus_checks: int) -> Charge:
    """The monthly charge of ``accounts`` addresses, ``virus_checks`` of them checked."""
    if not 0 <= virus_checks <= accounts <= max(ACCOUNT_PRICES):
        raise ValueError(f"impossible combination: {accounts} accounts, {virus_checks} checks")
    return Charge(ACCOUNT_PRICES[accounts] + VIRUS_CHECK_PRICE * virus_checks)
