"""The office's guide (docs/使用说明.md) says what the program says: its generated section is
what scripts/guide.py writes from the catalog now, every reason, flag and status a person can
see stands there with its Chinese words and what to do, and the pictures beside it were taken
of the templates and words the program has now. No browser: `make check` runs these."""

from __future__ import annotations

import importlib.util
import json
import re
import string
from pathlib import Path

import pytest
from PIL import Image

from pipeline import i18n
from pipeline.audit import UnitFrom
from pipeline.errors import Code
from pipeline.model import EntryStatus, Flag, FlagKind, OtherKind, Status
from pipeline.reconcile import PairStatus

ROOT = Path(__file__).resolve().parents[1]
GUIDE_FILE = ROOT / "docs" / "使用说明.md"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


guide = _script("guide")
pictures = _script("pictures")


@pytest.fixture(scope="module")
def generated() -> str:
    text = GUIDE_FILE.read_text(encoding="utf-8")
    assert text.count(guide.BEGIN) == 1 and text.count(guide.END) == 1
    return text[text.index(guide.BEGIN):text.index(guide.END) + len(guide.END)]


def _rows(section: str) -> dict[str, list[str]]:
    """The generated tables' rows by their first cell's `name` (several rows may share one)."""
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        found = re.match(r"\| `([^`]+)`", line)
        if found:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.setdefault(found.group(1), []).append(cells)
    return rows


def test_the_generated_section_is_what_the_catalog_says_now(generated):
    assert generated == guide.section().rstrip("\n"), "the guide is out of date: run make docs"


def test_every_reason_has_its_chinese_words_and_what_to_do(generated):
    rows = _rows(generated)
    for code in Code:
        assert code.value in rows, f"{code.value} is not in the guide: run make docs"
        _, said, todo = rows[code.value][0]  # the reasons' tables come before the statuses
        # The words as the catalog has them, each {placeholder} shown as 〈…〉: worked out
        # here from the template, not by the script under test.
        template = i18n._SAID[code][0]
        expected = re.sub(r"\{(\w+)\}", lambda m, code=code: _shown(code, m.group(1)), template)
        assert said == expected.replace("|", "\\|")
        assert "{" not in said and "〈〉" not in said
        assert todo and todo != guide.MISSING, (
            f"{code.value}: no advice in the guide; add it to ADVICE in scripts/guide.py")


def _shown(code: Code, name: str) -> str:
    assert name in guide.PLACEHOLDERS, f"{code.value}: give {{{name}}} a name in PLACEHOLDERS"
    return "〈" + {**guide.PLACEHOLDERS, **guide.PLACEHOLDERS_OF.get(code, {})}[name] + "〉"


def test_every_flag_has_its_chinese_words_what_to_do_and_whether_a_letter_asks_for_it(
        generated):
    from pipeline.letters import CHASED

    rows = _rows(generated)
    for kind in FlagKind:
        name = guide.flag_name(kind)
        assert name in rows, f"flag {kind.value} is not in the guide: run make docs"
        _, said, todo, letter = next(r for r in rows[name] if len(r) == 4)
        key = "〈栏目〉" if kind is not FlagKind.CLAUSE_MISSING else "〈序号〉"
        flag = Flag(kind, key if ":" in name else None)
        assert said == i18n.flag_words(flag, "zh") and re.search(r"[\u4e00-\u9fff]", said)
        assert todo and todo != guide.MISSING, f"{kind.value}: add it to FLAG_ADVICE"
        assert letter == (f"是：{i18n.chase_words(flag, 'zh')}" if kind in CHASED else "否")
    assert rows["missing_signature"][0][1] == "缺签名"  # as audit.xlsx says it


@pytest.mark.parametrize("statuses", [Status, EntryStatus, PairStatus, OtherKind, UnitFrom])
def test_every_status_a_person_sees_is_said_with_what_it_means(generated, statuses):
    rows = _rows(generated)
    for status in statuses:
        found = [r for r in rows.get(status.value, []) if len(r) == 3 and r[2]]
        assert found, f"{statuses.__name__}.{status.name} is not in the guide"
        assert all(re.search(r"[\u4e00-\u9fff]", cells[1]) for cells in found)
    assert "| `needs_review` | 待复核 |" in generated  # the words records.xlsx shows


def test_groups_follow_the_catalog_sections():
    assert guide.group_of(Code.EMPTY_SCAN) == "files"
    assert guide.group_of(Code.ARCHIVE_PASSWORD) == "mail"
    assert guide.group_of(Code.BLANK_PAGE) == "reading"
    assert guide.group_of(Code.CELL_CHANGED_SINCE) == "corrections"
    assert guide.group_of(Code.BATCH_BUSY) == "commands"
    assert guide.group_of(Code.MODEL_MISSING) == "commands"
    assert set(map(guide.group_of, Code)) == set(guide.GROUPS) - {"flags"}


def test_every_placeholder_of_the_catalog_has_a_readable_name():
    for code in Code:
        for words in i18n._SAID[code]:
            for _, name, _, _ in string.Formatter().parse(words):
                assert name is None or name in guide.PLACEHOLDERS, (code.value, name)


def test_the_check_mode_says_run_make_docs_when_the_guide_differs(tmp_path, monkeypatch):
    stale = tmp_path / "使用说明.md"
    stale.write_text(f"# x\n\n{guide.BEGIN}\nold\n{guide.END}\n", encoding="utf-8")
    monkeypatch.setattr(guide, "GUIDE", stale)
    monkeypatch.setattr(guide, "ROOT", tmp_path)
    monkeypatch.setattr("sys.argv", ["guide.py", "--check"])
    assert guide.main() == 1
    monkeypatch.setattr("sys.argv", ["guide.py"])
    assert guide.main() == 0 and "| `empty_scan` |" in stale.read_text(encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["guide.py", "--check"])
    assert guide.main() == 0
    assert stale.read_text(encoding="utf-8").startswith("# x\n\n")  # the hand-written part kept


# --- the pictures ------------------------------------------------------------------------

def test_the_pictures_are_of_the_templates_and_words_the_program_has_now():
    assert not pictures.stale(), ("pictures older than what they show: run make docs\n"
                                  + "\n".join(pictures.stale()))


def test_a_changed_template_makes_its_pictures_stale(tmp_path, monkeypatch):
    copy = tmp_path / "pipeline"
    copy.mkdir()
    for path in {p for files, _ in pictures.SHOWS.values() for p in files}:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes((ROOT / path).read_bytes())
    (tmp_path / "docs" / "pictures").mkdir(parents=True)
    for name in [*pictures.SHOWS, "pictures.json"]:
        (tmp_path / "docs" / "pictures" / name).write_bytes(
            (pictures.PICTURES / name).read_bytes())
    monkeypatch.setattr(pictures, "ROOT", tmp_path)
    monkeypatch.setattr(pictures, "PICTURES", tmp_path / "docs" / "pictures")
    monkeypatch.setattr(pictures, "RECORD", tmp_path / "docs" / "pictures" / "pictures.json")
    assert pictures.stale() == []
    template = tmp_path / "pipeline" / "review_template.html"
    template.write_text(template.read_text(encoding="utf-8") + "<!-- changed -->",
                        encoding="utf-8")
    assert [s.split(":")[0] for s in pictures.stale()] == ["review.png"]
    assert "pipeline/review_template.html" in pictures.stale()[0]


def test_the_pictures_are_small_and_every_one_is_shown_in_the_guide_or_readme():
    guide_text = GUIDE_FILE.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    total = 0
    for name in pictures.SHOWS:
        path = pictures.PICTURES / name
        with Image.open(path) as image:
            assert image.width <= 1280
        total += path.stat().st_size
        assert f"pictures/{name}" in guide_text + readme, name
    assert total < 600 * 1024
    recorded = json.loads(pictures.RECORD.read_text(encoding="utf-8"))
    assert set(recorded) == set(pictures.SHOWS)
    # Every picture the README or the guide shows exists (the old docs/report.png is gone).
    for text, base in ((readme, ROOT), (guide_text, GUIDE_FILE.parent)):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
            assert (base / target).exists(), target


def test_the_readme_opens_with_the_guide_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    top = readme[:readme.index("\n## ", readme.index("\n## ") + 1)]
    assert "docs/使用说明.md" in top and "make demo" in top and "make test" in top
