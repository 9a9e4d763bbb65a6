"""The confirm step's draft token, as the confirm page's form carries it (test helper)."""

from madoguchi.lib.drafts import SESSION_KEY, TOKEN_FIELD


def draft_token(client, flow: str) -> str | None:
    """The key of the flow's draft in the client's session (what its confirm page shows)."""
    draft = client.session.get(SESSION_KEY, {}).get(flow)
    return draft["data"]["key"] if draft else None


def with_draft_token(client, flow: str, data: dict | None = None) -> dict:
    """POST data of the confirm page's form: ``data`` plus the draft's token, if any."""
    data = dict(data or {})
    token = draft_token(client, flow)
    if token is not None:
        data.setdefault(TOKEN_FIELD, token)
    return data
