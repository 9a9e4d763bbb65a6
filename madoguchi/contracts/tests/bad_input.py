"""X5: the bad values every form field is tried with (shared by the form tests)."""

SCRIPT = "<script>alert(1)</script>"

BAD_VALUES = {
    "empty": "",
    "overlong": "a" * 10_000,
    "full_width": "ｄｅｍｏ０００１",
    "nul": "Ab1\x00def",
    "escape": "Ab1\x1bdef",
    "rtl_override": "Ab1\u202edef",
    "html": SCRIPT,
    "sql": "' OR 1=1 --",
}
