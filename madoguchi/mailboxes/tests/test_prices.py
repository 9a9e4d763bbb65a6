"""D4.10: the monthly charge in integer yen, against every row of the seed's price table."""

import pytest

from madoguchi.mailboxes.rules import Charge, monthly_charge

# The seed (1.2.2): 1 address free; 複数メールアドレス2/3/4; ウィルスチェック 200円 per address.
SEED_TABLE = [
    # accounts, checked, net, gross
    (0, 0, 0, 0),
    (1, 0, 0, 0),
    (2, 0, 250, 275),
    (3, 0, 350, 385),
    (4, 0, 450, 495),
    (1, 1, 200, 220),
    (2, 1, 450, 495),
    (2, 2, 650, 715),
    (3, 1, 550, 605),
    (3, 2, 750, 825),
    (3, 3, 950, 1045),
    (4, 1, 650, 715),
    (4, 2, 850, 935),
    (4, 3, 1050, 1155),
    (4, 4, 1250, 1375),
]


@pytest.mark.parametrize(("accounts", "checked", "net", "gross"), SEED_TABLE)
def test_d4_10_monthly_charge_of_every_combination(accounts, checked, net, gross):
    charge = monthly_charge(accounts=accounts, virus_checks=checked)
    assert charge == Charge(net)
    assert (charge.net, charge.gross) == (net, gross)
    assert isinstance(charge.net, int) and isinstance(charge.gross, int)


def test_d4_10_every_combination_is_covered():
    """The table above is every possible (accounts, checked) pair of a contract."""
    pairs = {(a, c) for a, c, _, _ in SEED_TABLE}
    assert pairs == {(a, c) for a in range(5) for c in range(a + 1)}


@pytest.mark.parametrize(
    ("accounts", "checked", "text"),
    [
        (1, 0, "0円（税込 0円）"),
        (2, 0, "250円（税込 275円）"),
        (3, 0, "350円（税込 385円）"),
        (4, 0, "450円（税込 495円）"),
        (1, 1, "200円（税込 220円）"),
        (3, 2, "750円（税込 825円）"),
        (4, 4, "1,250円（税込 1,375円）"),
    ],
)
def test_d4_10_charge_is_shown_as_the_seed_shows_it(accounts, checked, text):
    assert str(monthly_charge(accounts=accounts, virus_checks=checked)) == text


@pytest.mark.parametrize(
    ("accounts", "checked"),
    [(5, 0), (5, 5), (1, 2), (0, 1), (-1, 0), (2, -1), (4, 5)],
)
def test_d4_10_impossible_combinations_raise(accounts, checked):
    """More than 4 addresses, more checks than addresses, negative counts."""
    with pytest.raises(ValueError, match="impossible combination"):
        monthly_charge(accounts=accounts, virus_checks=checked)
