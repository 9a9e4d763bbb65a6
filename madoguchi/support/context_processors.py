def support_section(request):
    """Which item of the support site's navigation the page belongs to (no queries)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {}
    if match.namespace in {"faq", "notices", "inquiries"}:
        return {"support_section": match.namespace}
    if match.namespace == "support" and match.url_name == "top":
        return {"support_section": "top"}
    return {}
