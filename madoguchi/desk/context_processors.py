from madoguchi.contracts.models import User
from madoguchi.desk.menu import menu_for


def desk_menu(request):
    """The left menu for a logged-in desk user (no queries: the contract is on the user)."""
    user = getattr(request, "user", None)
    # A mailbox login has a contract too, but the desk is for desk credentials only (S2).
    if user is None or not user.is_authenticated or user.kind != User.Kind.DESK:
        return {}
    return {"desk_menu": menu_for(user.contract, getattr(request, "resolver_match", None))}
