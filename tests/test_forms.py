import pytest
import yaml

from pipeline.contest import default_contest
from pipeline.errors import SchemaError
from pipeline.forms import FORMS_DIR, UNITS, parse_schema, schemas
from pipeline.model import FormType


def test_every_form_type_has_a_schema_with_the_spec_keys():
    loaded = schemas()
    assert set(loaded) == {FormType.PROPOSAL_REGISTRATION, FormType.WORK_REGISTRATION,
                           FormType.WORK_AUTHORIZATION}
    assert loaded[FormType.PROPOSAL_REGISTRATION].keys == [
        "title", "proposal_type", "address", "contact", "phone", "unit", "synopsis", "date"]
    # The proposal type is not printed on every proposal form: optional, a closed list.
    proposal_type = loaded[FormType.PROPOSAL_REGISTRATION].field("proposal_type")
    assert not proposal_type.required and proposal_type.vocabulary == "proposal_type"
    assert loaded[FormType.WORK_REGISTRATION].keys == [
        "title", "work_type", "duration", "unit", "creators", "contact", "phone", "address",
        "synopsis", "date"]
    assert loaded[FormType.WORK_AUTHORIZATION].keys == [
        "title", "author", "unit", "contact", "phone", "date"]


def _raw(name="work_registration"):
    return yaml.safe_load((FORMS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.update(form_type="invoice"), "form_type 'invoice'"),
        (lambda r: r.update(colour="red"), "unknown key(s) ['colour']"),
        (lambda r: r["fields"][0].update(kind="money"), "kind 'money'"),
        (lambda r: r["fields"][1].update(labels=[]), "(work_type).labels"),
        (lambda r: r["fields"].append(dict(r["fields"][0])), "duplicate field keys"),
        (lambda r: r["fields"][0].update(key="not a key"), "'key' must be an identifier"),
    ],
)
def test_a_bad_schema_is_refused_naming_the_file_and_the_key(mutate, message):
    raw = _raw()
    mutate(raw)
    with pytest.raises(SchemaError) as err:
        parse_schema(raw, "forms/work_registration.yaml")
    assert "forms/work_registration.yaml" in str(err.value)
    assert message in str(err.value)


def test_every_vocabulary_a_schema_names_is_in_the_contest():
    contest = default_contest()
    known = set(contest.vocabularies) | {UNITS}
    named = {f.vocabulary for s in schemas().values() for f in s.fields if f.vocabulary}
    assert named and named <= known


def test_a_form_type_is_its_schema_file_and_no_code_names_one():
    """A new form type needs its YAML schema and its words in the catalog: the form types
    are the schema files, and no module of the package names one (the catalog aside)."""
    import re
    from pathlib import Path

    from pipeline.model import FORMS_DIR, FormType

    files = {p.stem for p in FORMS_DIR.glob("*.yaml")}
    assert {t.value for t in FormType} == files | {"unknown"}
    package = Path(__file__).resolve().parents[1] / "pipeline"
    named = re.compile("|".join([*sorted(files), *(f"FormType.{f.upper()}" for f in files)]))
    found = [f"{p.relative_to(package)}: {m.group(0)}" for p in package.rglob("*.py")
             if p.name != "i18n.py" for m in named.finditer(p.read_text(encoding="utf-8"))]
    assert not found


def test_a_contest_that_names_a_vocabulary_no_schema_can_use_is_refused_early():
    from pipeline.contest import CONTEST_FILE, parse_contest
    from pipeline.errors import FormscanError

    raw = yaml.safe_load(CONTEST_FILE.read_text(encoding="utf-8"))
    del raw["vocabularies"]["work_type"]
    with pytest.raises(FormscanError) as refused:
        parse_contest(raw, "office.yaml")
    assert refused.value.reason.code.value == "config_invalid" and "work_type" in str(
        refused.value)
