"""Issue 10 benchmark (S4): the counting sink that proves "exactly N, none twice" counts right.

`make bench` trusts bench/counting_sink.py to say how many mails arrived, to whom, and which
Message-IDs came twice. Here it is fed over real SMTP — by smtplib (no pipelining, a folded
Message-ID, a message whose lines start with dots, two recipients, an empty message, RSET)
and by the baseline's pipelining client — and what it reports is checked against what was
sent.
"""

import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import pipeline_client  # noqa: E402
from counting_sink import CountingSink  # noqa: E402


def test_counting_sink_records_each_accepted_mail_once_with_its_message_id(tmp_path):
    with CountingSink(tmp_path / "sink.tsv") as sink:
        with smtplib.SMTP("127.0.0.1", sink.port) as client:
            message = EmailMessage()
            message["From"] = "info@bench.example.jp"
            message["Subject"] = "dots"
            message["Message-ID"] = "<first@bench.example.jp>"
            message.set_content(".\n..two dots\n.\nend\n")
            client.send_message(message, to_addrs=["a@bench.example.jp", "b@bench.example.jp"])
            folded = b"Message-ID:\r\n <folded@bench.example.jp>\r\nSubject: x\r\n\r\nbody\r\n"
            client.sendmail("info@bench.example.jp", ["c@bench.example.jp"], folded)
            client.sendmail("info@bench.example.jp", ["d@bench.example.jp"], b"")
            client.rset()
            # The same mail again (a resend after a crash): the same Message-ID twice.
            client.send_message(message, to_addrs=["a@bench.example.jp"])
        # 300 pipelined mails (the end of each DATA travels with the next envelope).
        assert pipeline_client.send(sink.port, 0, 300) == 300
        assert sink.received() == 305

    tally = sink.tally()
    assert tally.lines == 305
    assert tally.by_message_id[b"<first@bench.example.jp>"] == 3  # 2 recipients + the resend
    assert tally.by_message_id[b"<folded@bench.example.jp>"] == 1
    assert tally.by_message_id[b"-"] == 1  # the empty message has no Message-ID
    assert all(tally.by_message_id[b"<bench.%d@bench.example.jp>" % n] == 1 for n in range(300))
    assert tally.messages == 303
    assert tally.duplicates == 2
    # "first" went to a and b: one Message-ID, two addresses is counted as mixed.
    assert tally.mixed == 1
    assert {b"a@bench.example.jp", b"c@bench.example.jp"} <= tally.recipients
    assert len(tally.recipients) == 4 + 300
    assert tally.bytes > 300 * 1900  # the baseline's messages are ~2 KB each
