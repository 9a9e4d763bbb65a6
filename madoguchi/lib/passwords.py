"""The password character set the ISP's systems accept (seed: D3.2, also used by D4.9)."""

import re

# 〔A-Z〕〔a-z〕〔0-9〕!$%&'()*+,-./;<=>?[]^_{}`~
SYMBOLS = "!$%&'()*+,-./;<=>?[]^_{}`~"
ALLOWED_RE = re.compile(r"^[A-Za-z0-9" + re.escape(SYMBOLS) + r"]*$")


def allowed_characters_message(label: str) -> str:
    """「<label>に使用できない文字が含まれています。…」 listing the allowed characters."""
    return (
        f"{label}に使用できない文字が含まれています。"
        "使用できる文字は半角の英字・数字と記号 " + " ".join(SYMBOLS) + " です。"
    )
