"""The box serial protocol: encoding, decoding, and a reader that survives any noise."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.boxlink import (
    MAX_LINE,
    TO_BOX,
    TO_PC,
    Ack,
    Heartbeat,
    Hello,
    LineReader,
    PatternMsg,
    ProtocolError,
    Reject,
    decode,
    encode,
)
from monitor.domain.enums import Pattern


def test_every_message_encodes_to_one_short_line_and_decodes_back():
    msgs = [
        PatternMsg(0, Pattern.ALARM, False),
        PatternMsg(5, Pattern.WARN, True),
        Heartbeat(6),
        Hello(0, "0.1.0"),
        Ack(2**53 - 1),
    ]
    for msg in msgs:
        line = encode(msg)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert len(line) <= MAX_LINE
        assert json.loads(line)["v"] == 1
        assert decode(line) == msg


def test_the_documented_example_lines_decode():
    assert decode(b'{"v":1,"seq":7,"t":"pattern","pattern":"alarm","silenced":false}\n') == (
        PatternMsg(7, Pattern.ALARM, False)
    )
    assert decode(b'{"v":1,"seq":8,"t":"hb"}') == Heartbeat(8)
    assert decode(b'{"v":1,"seq":0,"t":"hello","version":"0.1.0"}\r\n') == Hello(0, "0.1.0")
    assert decode(b'{"v":1,"seq":1,"t":"ack","extra":"ignored"}') == Ack(1)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\xff\xfe\x00garbage", Reject.NOT_UTF8),
        (b"{not json", Reject.NOT_JSON),
        (b"[1, 2]", Reject.NOT_OBJECT),
        (b'{"v":2,"seq":1,"t":"hb"}', Reject.BAD_VERSION),
        (b'{"v":true,"seq":1,"t":"hb"}', Reject.BAD_VERSION),
        (b'{"seq":1,"t":"hb"}', Reject.BAD_VERSION),
        (b'{"v":1,"t":"hb"}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":-1,"t":"hb"}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1.5,"t":"hb"}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1,"t":"pattern","pattern":"disco","silenced":false}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1,"t":"pattern","pattern":1,"silenced":false}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1,"t":"pattern","silenced":false}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":true,"t":"hb"}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1,"t":"pattern","pattern":"on","silenced":0}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1,"t":"hello","version":3}', Reject.BAD_FIELD),
        (b'{"v":1,"seq":1,"t":"reboot"}', Reject.UNKNOWN_TYPE),
        (b'{"v":1,"seq":1,"t":"hb","pad":"' + b"x" * MAX_LINE + b'"}', Reject.OVERSIZED),
    ],
)
def test_a_bad_line_is_rejected_with_its_reason(line, reason):
    with pytest.raises(ProtocolError) as info:
        decode(line)
    assert info.value.reason is reason


def test_reader_counts_each_reason_and_resyncs_after_an_oversized_line():
    reader = LineReader(TO_BOX)
    good = encode(PatternMsg(1, Pattern.ON, False))
    stream = (
        b"x" * 2000  # noise longer than a line, across feeds, no newline yet
        + b"\n"
        + b"\x00\x01\x02\n"  # binary noise (valid UTF-8 but not JSON)
        + b"\xff\xff\n"
        + encode(Ack(3))  # valid, but not for the box
        + good
    )
    got = []
    for i in range(0, len(stream), 7):
        got += reader.feed(stream[i : i + 7])
    assert got == [PatternMsg(1, Pattern.ON, False)]
    assert reader.rejected == {"oversized": 1, "not-json": 1, "not-utf8": 1, "unexpected": 1}
    assert reader.accepted == 1


def test_reader_joins_a_line_split_over_many_reads():
    reader = LineReader(TO_PC)
    line = encode(Hello(0, "9.9"))
    msgs = [m for b in line for m in reader.feed(bytes([b]))]
    assert msgs == [Hello(0, "9.9")]


def test_reader_counts_lines_lost_between_sequence_numbers():
    reader = LineReader(TO_BOX)
    reader.feed(encode(Heartbeat(1)) + encode(Heartbeat(2)) + encode(Heartbeat(6)))
    assert reader.seq_gaps == 3
    reader.feed(encode(Heartbeat(0)))  # the PC restarted: a new base, no gap
    assert reader.seq_gaps == 3 and reader.accepted == 4


def test_a_line_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not():
    def hb_of_size(n: int) -> bytes:
        base = b'{"v":1,"seq":1,"t":"hb","p":""}\n'
        return base[:-3] + b"x" * (n - len(base)) + b'"}\n'

    reader = LineReader(TO_BOX)
    assert reader.feed(hb_of_size(MAX_LINE)) == [Heartbeat(1)]
    assert reader.feed(hb_of_size(MAX_LINE + 1)) == []
    assert reader.rejected == {"oversized": 1}


# --------------------------------------------------------------------------- property

valid_to_box = st.one_of(
    st.builds(PatternMsg, st.integers(0, 2**40), st.sampled_from(list(Pattern)), st.booleans()),
    st.builds(Heartbeat, st.integers(0, 2**40)),
)
noise = st.one_of(
    st.binary(max_size=700),
    st.binary(min_size=MAX_LINE, max_size=3 * MAX_LINE),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=5).map(
        lambda d: json.dumps(d).encode()
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(valid_to_box, noise), max_size=40), st.integers(1, 64))
def test_reader_applies_every_valid_message_whatever_noise_lies_between(items, chunk):
    reader = LineReader(TO_BOX)
    stream = b""
    wanted = []
    for item in items:
        if isinstance(item, bytes):
            # Noise never contains a newline in the middle of a "line" of its own,
            # but it may contain any other byte, so strip newlines to keep lines apart.
            stream += item.replace(b"\n", b"") + b"\n"
        else:
            stream += encode(item)
            wanted.append(item)
    got = []
    for i in range(0, len(stream), chunk):
        got += reader.feed(stream[i : i + chunk])
    # A noise line may by chance be a valid message of its own: every wanted one is there,
    # in order, and nothing accepted is outside what was sent.
    it = iter(got)
    assert all(any(g == w for g in it) for w in wanted)
    assert len(got) <= len(wanted) + sum(isinstance(i, bytes) for i in items)
    assert reader.accepted == len(got)


def test_ten_thousand_garbage_lines_interleaved_with_valid_ones_lose_no_valid_message():
    rnd = random.Random(7)
    reader = LineReader(TO_BOX)
    wanted, stream = [], bytearray()
    for seq in range(10_000):
        kind = rnd.randrange(4)
        if kind == 0:
            stream += (
                bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 80))).replace(b"\n", b"")
                + b"\n"
            )
        elif kind == 1:
            stream += b"{" * rnd.randrange(MAX_LINE, 4 * MAX_LINE) + b"\n"
        elif kind == 2:
            stream += b'{"v":2,"seq":1,"t":"pattern","pattern":"on","silenced":false}\n'
        msg = PatternMsg(seq, rnd.choice(list(Pattern)), rnd.random() < 0.5)
        wanted.append(msg)
        stream += encode(msg)
    got = []
    pos = 0
    while pos < len(stream):
        n = rnd.randrange(1, 600)
        got += reader.feed(bytes(stream[pos : pos + n]))
        pos += n
    assert got == wanted
    assert sum(reader.rejected.values()) > 5000
    assert reader.rejected["oversized"] > 2000
