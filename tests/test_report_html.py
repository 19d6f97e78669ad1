"""The HTML report: one self-contained file, a radar chart, the score sheet, escaping, print styles."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

pytest.importorskip("jinja2")

from report_inputs import RULE_TITLE, SCRIPT, demo_report, hostile_report  # noqa: E402

from engine.report import render  # noqa: E402
from engine.report.formats.html import chart  # noqa: E402


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def test_self_contained_without_scripts():
    html = render(demo_report(), "html", "zh")
    tags = parse(html)
    names = [t for t, _ in tags.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    for _, attrs in tags.tags:
        assert not {"src", "href"} & set(attrs), attrs
    assert "url(" not in html and "@import" not in html
    csp = next(a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp["content"]
    assert "<svg" in html and 'class="shape"' in html


def test_contents():
    html = render(demo_report(), "html", "zh")
    text = "".join(parse(html).text)
    assert "考核评估报告：示范社区" in text
    assert "76.94" in text and "合格" in text
    for heading in ("维度", "项目", "标准及要求", "分值", "评分办法", "得分", "扣分原因", "依据", "佐证材料"):
        assert f"<th>{heading}</th>" in html
    assert "D1.meetings" in text and "21次×0.5分，扣10分" in text  # as the text report says it
    assert "王五" in text and "不予留用" in text  # the per-person table
    assert "晋级路径：良好" in text and "[D1.meetings] 每月两次组织生活 (+11.43)" in text
    assert "未评定（参数未设置）" in text and "「“10有”标准的十项内容」未设定" in text and "ten_you_items" not in text
    assert html.count("<table") == html.count("</table>") == 3  # dimensions, score sheet, staff


def test_radar_points_are_the_dimension_shares():
    result = demo_report().results[0]
    radar = chart(result, "zh")
    assert radar["kind"] == "radar" and len(radar["points"]) == 3 and len(radar["rings"]) == 5
    # D2 (93.3 %) on the axis at 30° below the horizontal, radius 140 around (320, 200)
    assert radar["points"][1] == {"x": "433.2", "y": "265.3"}
    assert radar["points"][0] == {"x": "320.0", "y": "105.7"}  # D1 (67.3 %) straight up
    html = render(demo_report(), "html", "zh")
    assert 'points="320.0,105.7 433.2,265.3' in html
    two = result.model_copy(update={"dimensions": result.dimensions[:2]})
    bars = chart(two, "en")
    assert bars["kind"] == "bars" and [b["width"] for b in bars["bars"]] == ["242.4", "336.0"]


def test_print_friendly():
    html = render(demo_report(), "html", "en")
    assert '<html lang="en">' in html
    assert "@media print" in html and "@page" in html and "break-before: page" in html
    assert "display: table-header-group" in html  # table headers repeat on every printed page


def test_profile_and_pack_text_is_escaped(tmp_path):
    html = render(hostile_report(tmp_path), "html", "zh")
    assert SCRIPT not in html and "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html  # the profile name and the pack title
    assert "<b>点击</b>" not in html
    assert "=HYPERLINK(&#34;http://evil&#34;,&#34;&lt;b&gt;点击&lt;/b&gt;&#34;)" in html  # the rule title
    tags = parse(html)
    assert all(t != "script" for t, _ in tags.tags)
    assert RULE_TITLE in "".join(tags.text)  # shown as text, exactly


def test_vetoes_and_missing_data_are_shown(tmp_path):
    from report_inputs import DEMO_PACK, assess

    profile = tmp_path / "veto.yaml"
    profile.write_text("profile: {name: 甲社区, year: 2024}\nincidents: {cult: 1, petition: 0, crime: 0}\n",
                       encoding="utf-8")
    text = "".join(parse(render(assess(DEMO_PACK, profile), "html", "zh")).text)
    assert "[V.cult] 邪教组织活动 — 直接评定为最低等次" in text
    assert "缺少的数据" in text and "党员总数" in text and "party_members.total" in text
