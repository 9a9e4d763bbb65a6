"""D4.9: account-name and mail-password rules, each broken rule with its own message."""

import pytest

from madoguchi.lib.passwords import SYMBOLS
from madoguchi.mailboxes.rules import (
    ACCOUNT_MESSAGES,
    PASSWORD_MESSAGES,
    RESERVED_ACCOUNTS,
    account_name_errors,
    mail_password_errors,
)

A = ACCOUNT_MESSAGES
P = PASSWORD_MESSAGES


def test_d4_9_every_rule_has_its_own_message():
    assert len(set(A.values())) == len(A)
    assert len(set(P.values())) == len(P)


@pytest.mark.parametrize(
    "name",
    [
        "abc",  # 3: the shortest
        "a" * 32,  # 32: the longest
        "a" + "0123456789" * 3 + "z",
        "taro.yamada",
        "taro-yamada",
        "taro_yamada",
        "a.b.c",
        "ab-",
        "ab_",
        "a9_-.z",
        "abcdefg",
        "postmasters",  # contains a reserved name, is not one
        "rootx",
    ],
)
def test_d4_9_valid_account_names(name):
    assert account_name_errors(name) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ab", ["length"]),
        ("a", ["length"]),
        ("", ["length"]),
        ("a" * 33, ["length"]),
        ("a" * 100, ["length"]),
        ("abC", ["characters"]),
        ("ab c", ["characters"]),
        ("ab@c", ["characters"]),
        ("ab+c", ["characters"]),
        ("ab/c", ["characters"]),
        ("abc\n", ["characters"]),
        ("abcé", ["characters"]),
        ("たろう太郎", ["characters", "first"]),
        ("ａｂｃ", ["characters", "first"]),
        ("Abc", ["characters", "first"]),
        ("1abc", ["first"]),
        (".abc", ["first"]),
        ("-abc", ["first"]),
        ("_abc", ["first"]),
        ("a..b", ["dots"]),
        ("ab...c", ["dots"]),
        ("abc.", ["last_dot"]),
        ("ab..", ["dots", "last_dot"]),
        ("1b.", ["first", "last_dot"]),
    ],
)
def test_d4_9_invalid_account_names_say_which_rule(name, expected):
    assert account_name_errors(name) == [A[key] for key in expected]


@pytest.mark.parametrize(
    "name", ["postmaster", "abuse", "root", "admin", "hostmaster", "webmaster", "mailer-daemon"]
)
def test_d4_9_reserved_account_names(name):
    assert name in RESERVED_ACCOUNTS
    assert account_name_errors(name) == [A["reserved"]]


def test_d4_9_every_reserved_name_is_otherwise_valid_and_refused():
    for name in RESERVED_ACCOUNTS:
        assert account_name_errors(name) == [A["reserved"]], name


def test_d4_9_account_messages_are_japanese():
    assert A["length"] == "メールアカウントは3文字以上32文字以下で入力してください。"
    assert A["first"] == "メールアカウントは半角英小文字で始めてください。"
    assert "既に使用されています" in A["taken"]


@pytest.mark.parametrize(
    "password",
    [
        "abcdefg1",  # 8: the shortest
        "abcdefghijklmno1",  # 16: the longest
        "1234567a",
        "A1111111",
        "Zz9" + SYMBOLS[:13],  # 16 with symbols
        "a1" + SYMBOLS[13:19],
        "a1" + SYMBOLS[19:],
    ],
)
def test_d4_9_valid_mail_passwords(password):
    assert mail_password_errors(password) == []


@pytest.mark.parametrize("symbol", list(SYMBOLS))
def test_d4_9_every_d3_2_symbol_is_allowed(symbol):
    assert mail_password_errors(f"abc{symbol}1234") == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("abcdef1", ["length"]),
        ("", ["length", "composition"]),
        ("abcdefghijklmno12", ["length"]),
        ("a1" * 20, ["length"]),
        ("abcdefgh", ["composition"]),
        ("12345678", ["composition"]),
        ("!$%&'()*", ["composition"]),
        ("abcd 1234", ["characters"]),
        ("abcd@1234", ["characters"]),
        ('abcd"1234', ["characters"]),
        ("abcd#1234", ["characters"]),
        ("abcd\\1234", ["characters"]),
        ("abcd|1234", ["characters"]),
        ("abcd:1234", ["characters"]),
        ("abcd1234\n", ["characters"]),
        ("ａｂｃｄ１２３４", ["characters", "composition"]),
        ("パスワード12345", ["characters", "composition"]),
        ("abc", ["length", "composition"]),
    ],
)
def test_d4_9_invalid_mail_passwords_say_which_rule(password, expected):
    assert mail_password_errors(password) == [P[key] for key in expected]


def test_d4_9_password_messages_are_japanese():
    assert P["length"] == "メールパスワードは8文字以上16文字以下で入力してください。"
    assert P["composition"] == "メールパスワードには英字と数字をそれぞれ1文字以上含めてください。"
    assert "! $ % & ' ( ) * + , - . / ; < = > ? [ ] ^ _ { } ` ~" in P["characters"]
