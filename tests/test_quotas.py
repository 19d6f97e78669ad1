"""Quotas with a declared base, rounding and grouping: a batch's `--quota` (the run's), a pack's band quotas
on a per-person table (`scoring.quotas`, format 2), and ungraded profiles ranked after every graded one."""

from __future__ import annotations

import collections
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "tests" / "packs" / "quotas"
runner = CliRunner()
needs_durable = pytest.mark.skipif(not durable_available()[0], reason="durable-rules is not installed here")

STAFF = [{"name": "甲", "scores": {"community": 80, "residents": 80}}]


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def write_profile(directory: Path, pid: str, work: float | None, street: str | None = "东街道",
                  staff: list[dict] | None = None) -> Path:
    """A profile of the quotas pack: its total is 40 (staff) + 0.6 × work; without work, no grade (coverage 40 %)."""
    data: dict = {"profile": {"id": pid, "name": f"{pid}社区", "subject": "community", "year": 2024},
                  "community": {"type": "城市型"}, "staff": staff or STAFF}
    if street is not None:
        data["community"]["street"] = street
    if work is not None:
        data["work"] = {"score": work}
    path = directory / f"{pid}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def district(tmp_path) -> Path:
    """Two streets: 东街道 with four excellent (a–d) and one good (e); 西街道 with two excellent (f, g), one
    good (h); and x, whose grade is withheld (too little assessable)."""
    d = tmp_path / "district"
    d.mkdir()
    for pid, work in (("a", 100), ("b", 95), ("c", 90), ("d", 85), ("e", 70)):
        write_profile(d, pid, work)
    for pid, work in (("f", 100), ("g", 90), ("h", 70)):
        write_profile(d, pid, work, street="西街道")
    write_profile(d, "x", None)
    return d


def batch(directory: Path, *quotas: str, lang: str = "zh", fmt: str = "text"):
    args = [directory, "--pack", PACK, "--backend", "reference", "-j", "1", "--lang", lang, "--summary-format", fmt]
    for quota in quotas:
        args += ["--quota", quota]
    return invoke(*args)


def rows(result) -> dict[str, dict]:
    [group] = json.loads(result.stdout)["groups"]
    return {row["profile_id"]: row for row in group["rows"]}


# -- ungraded profiles ------------------------------------------------------------------------------

def test_ungraded_profiles_come_after_every_graded_one_without_a_rank_and_say_why(district):
    result = batch(district, fmt="json")
    assert result.exit_code == 0, result.stderr
    [group] = json.loads(result.stdout)["groups"]
    order = [(row["profile_id"], row["rank"]) for row in group["rows"]]
    assert order[-1] == ("x", None) and order[0] == ("a", 1)
    assert group["rows"][-1]["withheld"] == {"min_coverage": 0.5, "undecided_vetoes": []}
    text = batch(district).stdout
    line = next(line for line in text.splitlines() if "x社区" in line)
    assert line.lstrip().startswith("—")
    assert "暂不评定（不合格）" in line and "暂不评定（可评定分值占比40%，低于50%），不参与排名" in line
    english = batch(district, lang="en").stdout
    assert "no grade (only 40% of the points could be assessed, below 50%): not ranked" in english


def test_an_ungraded_profile_counts_in_the_base_of_all_but_is_never_moved(district):
    # 9 profiles, excellent at most 50 % → 4 (floor 4.5); six are excellent, c and g tie for the fourth place
    # and move with d; x has no grade to move
    result = batch(district, "优秀=50%", fmt="json")
    assert result.exit_code == 0, result.stderr
    by_id = rows(result)
    assert [pid for pid, row in by_id.items() if row["grade"] == "excellent"] == ["a", "f", "b"]
    assert by_id["x"]["quota"] is None and by_id["x"]["rank"] is None
    [quota] = json.loads(result.stdout)["groups"][0]["quotas"]
    assert (quota["population"], quota["allowed"], quota.get("base", "all")) == (9, 4, "all")


# -- --quota options ---------------------------------------------------------------------------------

@pytest.mark.parametrize("option, population, allowed", [
    ("", 9, 1),  # all ranked and unranked rows (today's meaning), floor(1.8)
    (",base=graded", 8, 1),  # floor(1.6)
    (",base=passed", 8, 1),  # every graded row is above 不合格
    (",base=优秀", 6, 1),  # the excellent ones: floor(1.2)
    (",round=ceil", 9, 2),  # ceil(1.8)
    (",round=half_up", 9, 2),
    (",base=good,round=half_up", 8, 2),  # the good ones or better: round(1.6)
])
def test_the_base_and_the_rounding_of_a_quota(district, option, population, allowed):
    result = batch(district, "excellent=20%" + option, fmt="json")
    assert result.exit_code == 0, result.stderr
    [quota] = json.loads(result.stdout)["groups"][0]["quotas"]
    assert (quota["population"], quota["allowed"]) == (population, allowed)
    assert len(quota["moved"]) == {1: 6, 2: 4}[allowed]  # a and f tie for the first place: one allowed keeps none


def test_the_note_says_the_base_and_the_rounding(district):
    result = batch(district, "优秀=20%，base=良好，round=ceil")  # full-width commas, as a Chinese keyboard types
    assert result.exit_code == 0, result.stderr
    assert "等次比例：优秀不超过良好及以上的20%：8个中至多2个（向上取整），调整4个" in result.stdout
    assert "由优秀调为良好（优秀不超过良好及以上的20%：8个中至多2个（向上取整））" in result.stdout
    english = batch(district, "excellent=20%,base=graded,round=half_up", lang="en")
    assert "Grade quota: Excellent at most 20% of those graded: at most 2 of 8 (rounded half up); 4 moved down" \
        in english.stdout


def test_a_quota_per_street_is_counted_in_each_street(district):
    result = batch(district, "优秀=50%,per=community.street", fmt="json")
    assert result.exit_code == 0, result.stderr
    group = json.loads(result.stdout)["groups"][0]
    quotas = {q["group"]: (q["population"], q["allowed"], len(q["moved"])) for q in group["quotas"]}
    assert quotas == {"东街道": (6, 3, 1), "西街道": (3, 1, 1)}  # x (no grade) counts in its street's base
    by_id = {row["profile_id"]: row for row in group["rows"]}
    assert by_id["d"]["grade"] == "good" and by_id["g"]["grade"] == "good" and by_id["c"]["grade"] == "excellent"
    assert by_id["g"]["quota"]["per"] == "community.street" and by_id["g"]["quota"]["group"] == "西街道"
    text = batch(district, "优秀=50%,per=community.street").stdout
    assert "等次比例：东街道中优秀不超过50%：6个中至多3个，调整1个" in text
    assert "由优秀调为良好（西街道中优秀不超过50%：3个中至多1个）" in text
    english = batch(district, "excellent=50%,per=community.street", lang="en").stdout
    assert "moved from Excellent to Good (in 西街道: Excellent at most 50%: at most 1 of 3)" in english


def test_a_profile_without_the_group_key_is_an_error_not_a_group(district):
    write_profile(district, "y", 100, street=None)
    result = batch(district, "优秀=50%,per=community.street")
    assert result.exit_code == 2
    assert (f"{district / 'y.yaml'}: error[quota-group]: no value for 'community.street', which --quota "
            "优秀=50%,per=community.street groups by") in result.stderr
    assert "排名汇总" not in result.stdout  # no summary: a quota counted in a group of unknowns is no quota


def test_grouping_by_an_input_the_pack_does_not_declare(district):
    result = batch(district, "优秀=50%,per=community.district")
    assert result.exit_code == 2
    assert ("--quota: error[quota-group]: per=community.district: pack 'quotas' has no input "
            "'community.district' to group by") in result.stderr
    listed = batch(district, "优秀=50%,per=staff")  # a list: no single value to group by
    assert listed.exit_code == 2 and "has no input 'staff' to group by" in listed.stderr


@pytest.mark.parametrize("quota, message", [
    ("优秀=20%,bse=passed", "unknown option 'bse=passed'"),
    ("优秀=20%,round=up", "round=up is not a rounding"),
    ("优秀=2,round=ceil", "round= applies to a percentage, and 2 is a count"),
    ("优秀=20%,per=", "per= needs a value"),
    ("优秀=20%,base=passed,base=graded", "base= is given twice"),
    ("优秀=20%,base=outstanding", "base=outstanding: pack 'quotas' has no grade 'outstanding'"),
])
def test_bad_quota_options_are_usage_errors(district, quota, message):
    result = batch(district, quota)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


# -- band quotas of a pack -------------------------------------------------------------------------------

TEN = [("甲", 96, 94), ("乙", 92, 92), ("丙", 90, 94), ("丁", 86, 84), ("戊", 84, 84), ("己", 82, 82), ("庚", 80, 80),
       ("辛", 78, 80), ("壬", 76, 76), ("癸", 76, 76)]


def ten_staff(tmp_path: Path) -> Path:
    staff = [{"name": n, "scores": {"community": c, "residents": r}} for n, c, r in TEN]
    return write_profile(tmp_path, "ten", 90, staff=staff)


def test_band_quotas_move_persons_and_the_table_says_why(tmp_path):
    profile = ten_staff(tmp_path)
    result = invoke(profile, "--pack", PACK)
    assert result.exit_code == 0, result.stderr
    table = result.stdout[result.stdout.index("社区工作人员:"):]
    assert "乙、丙：由优秀调为称职（优秀不超过20%：10人中至多2人；同分并列整体调整）" in table
    assert "壬、癸：由称职调为基本称职（基本称职及以下不少于10%：10人中至少1人；同分并列整体调整）" in table
    out = tmp_path / "r.json"
    assert invoke(profile, "--pack", PACK, "--format", "json", "-o", out).exit_code == 0
    [result_] = json.loads(out.read_text(encoding="utf-8"))["results"]
    finding = next(f for f in result_["findings"] if f["rule"] == "R2.staff")
    assert [n["zh"] for n in finding["notes"]] == ["优秀不超过20%：10人中至多2人，调整2人",
                                                   "基本称职及以下不少于10%：10人中至少1人，调整2人"]
    subjects = {s["label"]: s for s in finding["subjects"]}
    assert subjects["乙"]["band"] == "competent" and subjects["乙"]["consequences"] is None
    assert subjects["甲"]["band"] == "excellent" and subjects["甲"]["consequences"]["zh"] == "可作为评优依据"
    assert subjects["乙"]["notes"][0]["en"] == ("moved from Excellent to Competent (Excellent at most 20%: at most 2 "
                                                "of 10; tied elements move together)")
    assert finding["outcome"] == "met" and finding["earned"] == 40  # a quota moves bands, never points


@needs_durable
def test_band_quotas_agree_on_both_backends(tmp_path):
    profile = ten_staff(tmp_path)
    reports = []
    for backend in ("reference", "durable"):
        out = tmp_path / f"{backend}.json"
        assert invoke(profile, "--pack", PACK, "--backend", backend, "--format", "json", "-o", out).exit_code == 0
        data = json.loads(out.read_text(encoding="utf-8"))
        data["engine"]["backend"] = "-"
        reports.append(data)
    assert reports[0] == reports[1]


def quota_pack(tmp_path: Path, quotas: list[dict] | None, fmt: int = 2) -> Path:
    """The quotas pack with other quotas (and format)."""
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    manifest = yaml.safe_load((pack / "pack.yaml").read_text(encoding="utf-8"))
    manifest["pack"]["format"] = fmt
    manifest["scoring"]["quotas"] = quotas
    (pack / "pack.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return pack


@pytest.mark.parametrize("base, moved", [
    # the competent or better: all ten; 15 % → 1.5 → 2 (floor: 1), but 乙 and 丙 tie for the second place
    ("competent", "乙、丙：由优秀调为称职（优秀不超过称职及以上的15%：10人中至多2人（四舍五入）；同分并列整体调整）"),
    ("excellent", "甲、乙、丙：由优秀调为称职（优秀不超过优秀及以上的15%：3人中至多0人（四舍五入））"),  # 0.45 → 0
    ("passed", "乙、丙：由优秀调为称职（优秀不超过达标者的15%：10人中至多2人（四舍五入）；同分并列整体调整）"),
])
def test_a_band_quota_with_its_base_and_rounding(tmp_path, base, moved):
    pack = quota_pack(tmp_path, [{"rule": "R2.staff", "band": "excellent", "at_most": "15%", "base": base,
                                  "round": "half_up", "order_by": "composite"}])
    result = invoke(ten_staff(tmp_path), "--pack", pack)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert moved in result.stdout


def test_band_quotas_need_format_2(tmp_path):
    pack = quota_pack(tmp_path, [{"rule": "R2.staff", "band": "excellent", "at_most": "20%", "order_by": "composite"}],
                      fmt=1)
    result = invoke("pack", "check", pack)
    assert result.exit_code == 2
    assert f"{pack / 'pack.yaml'}:" in result.stdout + result.stderr
    assert "error[pack-format-key]: 'quotas' needs format: 2" in result.stdout + result.stderr


@pytest.mark.parametrize("quota, message", [
    ({"rule": "R9", "band": "excellent", "at_most": "20%", "order_by": "composite"}, "no rule 'R9'"),
    ({"rule": "R1.work", "band": "excellent", "at_most": "20%", "order_by": "composite"},
     "rule 'R1.work' has no bands to apply a quota to"),
    ({"rule": "R2.staff", "band": "outstanding", "at_most": "20%", "order_by": "composite"},
     "rule 'R2.staff' has no band 'outstanding'"),
    ({"rule": "R2.staff", "band": "unfit", "at_most": 2, "order_by": "composite"},
     "'unfit' is the last band of 'R2.staff': there is no band to move down to"),
    ({"rule": "R2.staff", "band": "excellent", "at_least": 1, "order_by": "composite"},
     "'excellent' is the first band of 'R2.staff'"),
    ({"rule": "R2.staff", "band": "excellent", "at_most": "20%", "order_by": "name"},
     "'name' is not a number of each element of staff"),
    ({"rule": "R2.staff", "band": "excellent", "at_most": "20%", "order_by": "composite", "base": "top"},
     "base 'top' is neither all, passed nor a band of 'R2.staff'"),
    ({"rule": "R3.volunteers", "band": "star", "at_most": 1, "order_by": "hours", "per": "street"},
     "'street' is not a field of each element of volunteers to group by"),
    ({"rule": "R3.volunteers", "band": "star", "at_most": "params.stars", "order_by": "hours"},
     "no parameter 'stars'"),
])
def test_what_a_band_quota_names_is_checked(tmp_path, quota, message):
    result = invoke("pack", "check", quota_pack(tmp_path, [quota]))
    assert result.exit_code == 2
    assert "error[band-quota]: " + message in result.stdout + result.stderr


def test_a_band_quota_rounds_a_percentage_only(tmp_path):
    quota = {"rule": "R2.staff", "band": "excellent", "at_most": 2, "round": "ceil", "order_by": "composite"}
    result = invoke("pack", "check", quota_pack(tmp_path, [quota]))
    assert result.exit_code == 2
    assert "'round' applies to a percentage, and the limit is a number of elements" in result.stdout + result.stderr


@pytest.mark.parametrize("limit", ["0.2", "120%", "２０%", -1])
def test_a_band_quota_limit_is_a_percentage_or_a_count(tmp_path, limit):
    quota = {"rule": "R2.staff", "band": "excellent", "at_most": limit, "order_by": "composite"}
    result = invoke("pack", "check", quota_pack(tmp_path, [quota]))
    assert result.exit_code == 2
    assert "a percentage from 0% to 100% ('20%'), a whole number of elements (2) or a parameter (params.NAME)" in (
        result.stdout + result.stderr)


# -- groups of elements and limits a district sets --------------------------------------------------

VOLUNTEERS = [{"name": "子", "grid": "一网格", "hours": 120}, {"name": "丑", "grid": "一网格", "hours": 110},
              {"name": "寅", "grid": "一网格", "hours": 50}, {"name": "卯", "grid": "二网格", "hours": 130},
              {"name": "巳", "hours": 150}]


def volunteers_profile(tmp_path: Path) -> Path:
    path = write_profile(tmp_path, "v", 90)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["volunteers"] = VOLUNTEERS
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def volunteer_notes(tmp_path: Path, *options: str) -> tuple[list[str], dict[str, str]]:
    out = tmp_path / "v.json"
    result = invoke(volunteers_profile(tmp_path), "--pack", PACK, "--format", "json", "-o", out, *options)
    assert result.exit_code == 0, result.stdout + result.stderr
    [result_] = json.loads(out.read_text(encoding="utf-8"))["results"]
    finding = next(f for f in result_["findings"] if f["rule"] == "R3.volunteers")
    return [n["zh"] for n in finding["notes"]], {s["label"]: s["band"] for s in finding["subjects"]}


def test_a_quota_per_grid_is_counted_in_each_grid_and_an_element_without_one_is_left_as_it_is(tmp_path):
    notes, bands = volunteer_notes(tmp_path)
    assert notes[:3] == ["一网格中星级志愿者不超过1人：3人中至多1人，调整1人",
                         "二网格中星级志愿者不超过1人：1人中至多1人，调整0人",
                         "巳：未填写所在网格，不参与比例调整"]
    assert bands == {"子": "star", "丑": "active", "寅": "active", "卯": "star", "巳": "star"}


def test_a_limit_the_source_does_not_give_is_a_parameter_and_moves_no_one_while_unset(tmp_path):
    notes, bands = volunteer_notes(tmp_path)
    assert notes[3] == "星级志愿者的比例限制（星级志愿者比例上限）未设定，未作调整"
    assert "params" not in "".join(notes) and "star_share" not in "".join(notes)
    # set by the district: 30 % of five, half up → 2 (1.5); three stars after the per-grid quota → 卯 and 巳 stay
    notes, bands = volunteer_notes(tmp_path, "--set", "star_share=30%")
    assert notes[3] == "星级志愿者不超过30%：5人中至多2人（四舍五入），调整1人"
    assert bands == {"子": "active", "丑": "active", "寅": "active", "卯": "star", "巳": "star"}


def test_a_quota_limit_parameter_is_a_percent_or_an_integer(tmp_path):
    pack = quota_pack(tmp_path, [{"rule": "R3.volunteers", "band": "star", "at_most": "params.star_share",
                                  "order_by": "hours"}])
    text = (pack / "pack.yaml").read_text(encoding="utf-8").replace("type: percent", "type: string")
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    result = invoke("pack", "check", pack)
    assert result.exit_code == 2
    assert "error[band-quota]: parameter 'star_share' is a string" in result.stdout + result.stderr


def test_pack_check_counts_a_quota_limit_parameter_as_read(tmp_path):
    result = invoke("pack", "check", PACK)
    assert "param-unread" not in result.stdout + result.stderr


@needs_durable
def test_backends_agree_on_random_packs_with_band_quotas():
    """Random format 2 packs with quotas on a banded for_each check (tests/packgen.py), both backends."""
    from hypothesis import HealthCheck, given, note, settings
    from hypothesis import strategies as st
    from packgen import GeneratedPack, entangle, packs
    from test_differential_packs import assess_both

    from engine.pack.build import load_pack
    from engine.profile.generate import ProfileGenerator

    stats: collections.Counter[str] = collections.Counter()

    @settings(max_examples=30, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(packs(max_rules=4, quotas=True), st.integers(0, 2**32 - 1))
    def check(generated: GeneratedPack, seed: int) -> None:
        with tempfile.TemporaryDirectory() as directory:
            root = generated.write(Path(directory))
            assert load_pack(root).scoring.quotas
            generator = ProfileGenerator(load_pack(root), seed)
            profiles = [entangle(generator.profile(i), seed + i) for i in range(6)]
            note("regression case:\n" + generated.case_text(profiles))
            assess_both(root, profiles, stats)

    check()
    assert stats["pairs"] == 30 * 6


# -- a pack's own grade quotas (scoring.grade_quotas) -----------------------------------------------

def test_a_pack_grade_quota_left_unset_moves_no_one_and_the_summary_says_so(district):
    result = batch(district)
    assert result.exit_code == 0, result.stderr
    assert "等次比例：优秀的比例限制（各街道优秀社区比例上限）未设定，未作调整" in result.stdout
    assert "excellent_share" not in result.stdout and "由优秀调为" not in result.stdout
    [group] = json.loads(batch(district, fmt="json").stdout)["groups"]
    assert group["quotas"] == [] and group["quota_notes"][0]["en"] == (
        "the quota on Excellent (Largest share of excellent communities in a street) is not set: nothing moved")


def test_a_pack_grade_quota_set_by_the_district_applies_per_street(district):
    result = invoke(district, "--pack", PACK, "-j", "1", "--set", "excellent_share=50%")
    assert result.exit_code == 0, result.stderr
    # those that pass: 东街道 a–e (x has no grade), 50 % → 2; 西街道 f–h → 1
    assert "等次比例：东街道中优秀不超过合格及以上的50%：5个中至多2个，调整2个" in result.stdout
    assert "等次比例：西街道中优秀不超过合格及以上的50%：3个中至多1个，调整1个" in result.stdout
    assert "由优秀调为良好（西街道中优秀不超过合格及以上的50%：3个中至多1个）" in result.stdout


def test_a_run_quota_on_the_same_grade_replaces_the_pack_one(district):
    result = invoke(district, "--pack", PACK, "-j", "1", "--set", "excellent_share=50%", "--quota", "优秀=1")
    assert result.exit_code == 0, result.stderr
    assert "等次比例：优秀不超过1个：9个中至多1个，调整6个" in result.stdout  # a and f tie for the first place
    assert "街道中优秀" not in result.stdout


def test_a_pack_grade_quota_needs_each_profile_to_give_its_group(district):
    write_profile(district, "y", 100, street=None)
    result = invoke(district, "--pack", PACK, "-j", "1", "--set", "excellent_share=50%")
    assert result.exit_code == 2
    assert (f"{district / 'y.yaml'}: error[quota-group]: no value for 'community.street', which pack 'quotas' "
            "quota excellent=50%,base=passed,per=community.street groups by") in result.stderr


def grade_quota_pack(tmp_path: Path, quotas: list[dict], fmt: int = 2) -> Path:
    pack = quota_pack(tmp_path, None, fmt)
    manifest = yaml.safe_load((pack / "pack.yaml").read_text(encoding="utf-8"))
    del manifest["scoring"]["quotas"]
    manifest["scoring"]["grade_quotas"] = quotas
    (pack / "pack.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return pack


@pytest.mark.parametrize("quota, message", [
    ({"grade": "outstanding", "at_most": "20%"}, "no grade 'outstanding'"),
    ({"grade": "fail", "at_most": "20%"}, "'fail' is the lowest grade: there is no grade to move down to"),
    ({"grade": "excellent", "at_most": "20%", "base": "top"}, "base 'top' is neither all, graded, passed nor a grade"),
    ({"grade": "excellent", "at_most": "20%", "per": "community.district"},
     "'community.district' is not an input with one value to group profiles by"),
    ({"grade": "excellent", "at_most": "20%", "per": "staff"},
     "'staff' is not an input with one value to group profiles by"),
    ({"grade": "excellent", "at_most": "params.share"}, "no parameter 'share'"),
])
def test_what_a_grade_quota_names_is_checked(tmp_path, quota, message):
    result = invoke("pack", "check", grade_quota_pack(tmp_path, [quota]))
    assert result.exit_code == 2
    assert "error[grade-quota]: " + message in result.stdout + result.stderr


def test_grade_quotas_need_format_2(tmp_path):
    result = invoke("pack", "check", grade_quota_pack(tmp_path, [{"grade": "excellent", "at_most": "20%"}], fmt=1))
    assert result.exit_code == 2
    assert "error[pack-format-key]: 'grade_quotas' needs format: 2" in result.stdout + result.stderr


def test_pack_check_counts_a_grade_quota_group_as_read():
    result = invoke("pack", "check", PACK)
    assert "input 'community.street'" not in result.stdout + result.stderr


@needs_durable
def test_both_backends_give_the_same_ranked_summary_with_quotas(district):
    summaries = []
    for backend in ("reference", "durable"):
        result = invoke(district, "--pack", PACK, "--backend", backend, "-j", "1", "--summary-format", "json",
                        "--set", "excellent_share=50%", "--quota", "良好=50%,base=graded,round=ceil")
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        data["engine"]["backend"] = "-"
        summaries.append(data)
    assert summaries[0] == summaries[1]
    assert len(summaries[0]["groups"][0]["quotas"]) == 3  # the pack's per street, and the run's on 良好


# -- round: round --------------------------------------------------------------------------------------

def test_round_round_is_not_a_rounding_and_the_hint_says_half_up(tmp_path, district):
    """'round' could be read as any rounding: it is refused, with the hint that 四舍五入 is half_up."""
    quota = {"rule": "R3.volunteers", "band": "star", "at_most": "params.star_share", "round": "round",
             "order_by": "hours"}
    pack = quota_pack(tmp_path, [quota])
    result = invoke("pack", "check", pack)
    assert result.exit_code == 2
    out = result.stdout + result.stderr
    assert "error[pack-schema]: scoring.quotas.0.round must be one of 'floor', 'ceil' or 'half_up', got 'round'" in out
    assert "hint: did you mean half_up (四舍五入)?" in out
    grades = yaml.safe_load((pack / "pack.yaml").read_text(encoding="utf-8"))
    grades["scoring"]["quotas"] = None
    grades["scoring"]["grade_quotas"][0]["round"] = "round"
    (pack / "pack.yaml").write_text(yaml.safe_dump(grades, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = invoke("pack", "check", pack).output
    assert "scoring.grade_quotas.0.round must be one of" in out and "hint: did you mean half_up (四舍五入)?" in out
    result = batch(district, "优秀=20%,round=round")
    assert result.exit_code == 2
    assert "round=round is not a rounding" in result.stderr
    assert "hint: did you mean round=half_up (四舍五入)?" in result.stderr
