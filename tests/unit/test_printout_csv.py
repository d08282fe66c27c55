"""The title lines above the monthly CSV: what, which machine, which month, the head."""

from __future__ import annotations

from monitor.printout import ChainCheck, csv_title_rows

HEAD = "9ea5d5aa" * 8


def test_the_title_names_machine_month_head_and_a_good_check_in_japanese():
    rows = csv_title_rows("受付PC-1", 2026, 4, ChainCheck(120, HEAD, 120), "ja")
    assert rows == [
        ["ネットワーク接続記録簿"],
        ["端末", "受付PC-1"],
        ["対象月", "2026年4月"],
        ["台帳の末尾", f"120:{HEAD}"],
        ["台帳の検証", "改ざんなし（120 件の記録を確認）"],
        [],
    ]


def test_a_broken_chain_is_named_in_the_title_in_english():
    chain = ChainCheck(7, HEAD, None, "permits row 1", "differs (edited)")
    rows = csv_title_rows("pc", 2026, 4, chain, "en")
    assert rows[2] == ["Month", "2026-04"]
    assert rows[4] == ["Register check", "possibly altered: permits row 1 (differs (edited))"]
