from datetime import UTC, date, datetime, timedelta

import pytest

from bot.checks import Policy, run_checks
from bot.checks.register import name_hash
from bot.config.policy_file import BUILTIN, _compile
from bot.config.yamlfile import load_yaml
from bot.domain.findings import Severity
from bot.domain.posts import PostStatus
from bot.people import (
    ImportResult,
    PersonError,
    RegisterImportError,
    RegisterKeyError,
    add_person,
    import_csv,
    list_people,
    posts_mentioning,
    remove_person,
    set_consent,
)
from bot.storage import open_store
from bot.storage.migrations import migrations
from bot.storage.people import People, load_register

KEY = "correct horse battery staple"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HEADER = "name,aliases,consent,consent_expires,platforms,label\n"
GOOD = HEADER + (
    "Sarah Jones,Sal;S. Jones,yes,2027-01-31,x;facebook,P-014\n"
    'Tom Baker,,no,,,"volunteer, Tuesday group"\n'
    "Amélie Durand,Ami,yes,,facebook,\n"
)
NAMES = ("Sarah", "Jones", "Sal", "Tom", "Baker", "Amélie", "Amelie", "Durand", "Ami")
POLICY = Policy(
    rules=(
        _compile(
            "registered_person", load_yaml(BUILTIN / "register.yaml")["rules"]["registered_person"]
        ),
    )
)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "c.db")
    yield s
    s.close()


def write(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(store):
    return (
        [p.describe() for p in list_people(store)],
        People(store).all(),
        len(store.audit_log()),
    )


def test_import_adds_labelled_and_numbered_entries_and_lists_labels_only(store, tmp_path):
    result = import_csv(store, KEY, write(tmp_path, GOOD), actor="U0DANA", at=NOW)
    assert result == ImportResult(
        added=("P-014", "volunteer, Tuesday group", "person 1"),
        labels={2: "P-014", 3: "volunteer, Tuesday group", 4: "person 1"},
    )
    lines = [p.describe(date(2027, 2, 1)) for p in list_people(store)]
    assert lines == [
        "P-014: consent yes, until 2027-01-31 (expired), Facebook and X only, 3 names",
        "person 1: consent yes, Facebook only, 2 names",
        "volunteer, Tuesday group: consent no, all platforms, 1 name",
    ]
    for line in lines:
        for name in NAMES:
            assert name.casefold() not in line.casefold()


def test_import_is_idempotent_and_rows_without_labels_keep_theirs(store, tmp_path):
    path = write(tmp_path, GOOD)
    import_csv(store, KEY, path, actor="U0DANA", at=NOW)
    before = snapshot(store)
    again = import_csv(store, KEY, path, actor="U0DANA", at=NOW)
    assert again.added == again.updated == ()
    assert again.unchanged == ("P-014", "volunteer, Tuesday group", "person 1")
    assert snapshot(store) == before  # no write, no audit record
    shuffled = HEADER + "\n".join(reversed(GOOD.splitlines()[1:])) + "\n"
    assert (
        import_csv(store, KEY, write(tmp_path, shuffled, "b.csv"), actor="U0DANA", at=NOW).labels[2]
        == "person 1"
    )
    assert snapshot(store) == before


def test_reimport_updates_by_label_and_withdrawn_consent_then_blocks(store, tmp_path):
    import_csv(store, KEY, write(tmp_path, GOOD), actor="U0DANA", at=NOW)
    changed = GOOD.replace("Sarah Jones,Sal;S. Jones,yes", "Sarah Jones,Sal;S. Jones,no")
    result = import_csv(store, KEY, write(tmp_path, changed), actor="U0DANA", at=NOW)
    assert result.updated == ("P-014",) and len(result.unchanged) == 2
    [f] = run_checks(
        "Thanks Sal!", ("x",), POLICY, register=load_register(store, KEY), today=NOW.date()
    )
    assert f.severity is Severity.BLOCK and "P-014" in f.message


@pytest.mark.parametrize(
    "row,reason",
    [
        ("Sarah Jones,,maybe,,,", "consent must be yes or no"),
        ("Sarah Jones,,,,,", "consent must be yes or no"),
        ("Sarah Jones,,yes,2027-02-30,,", "consent_expires must be a date written YYYY-MM-DD"),
        ("Sarah Jones,,yes,31/01/2027,,", "consent_expires must be a date written YYYY-MM-DD"),
        ("Sarah Jones,,yes,,x;instagram,", "platform 2 is not one we publish to"),
        (",Sal,yes,,,", "the name is empty"),
        ("!!!,,yes,,,", "the name has no letters"),
        ("Sarah Jones,;J;,yes,,,", "alias 1 is a single letter"),
        ("Anne Marie Claire de la Tour,,yes,,,", "the name has 6 words"),
        ("Sarah Jones,,yes,,,P-014 Jones", "the label contains the person's name"),
        ("Sarah Jones,Sal,yes,,,Sal's entry", "the label contains the person's name"),
        ("Sarah Jones,,yes,,,,extra", "7 cells but only 6 columns"),
        ("Sarah Jones,,yes,,,P-001\nTom Baker,,yes,,,P-001", "label 'P-001' is also used on line"),
        ("Sarah Jones,,yes,,,\nSARAH JONES,,no,,,", "the same name as line 3"),
    ],
)
def test_a_bad_row_is_reported_with_file_line_and_reason_and_nothing_changes(
    store, tmp_path, row, reason
):
    import_csv(store, KEY, write(tmp_path, GOOD, "first.csv"), actor="U0DANA", at=NOW)
    before = snapshot(store)
    path = write(tmp_path, HEADER + "Ann Other,,yes,,,P-100\n" + row + "\n")
    with pytest.raises(RegisterImportError) as caught:
        import_csv(store, KEY, path, actor="U0DANA", at=NOW)
    assert any(p.startswith(f"{path}, line ") and reason in p for p in caught.value.problems)
    assert "Nothing was imported" in str(caught.value)
    for name in ("Sarah", "Jones", "Tom", "Anne"):
        assert name not in "\n".join(caught.value.problems).replace(str(path), "")
    assert snapshot(store) == before


def test_every_problem_is_reported_at_once(tmp_path, store):
    path = write(tmp_path, HEADER + "Sarah Jones,,maybe,,,\nTom Baker,,yes,tomorrow,,\n")
    with pytest.raises(RegisterImportError) as caught:
        import_csv(store, KEY, path, actor="U0DANA", at=NOW)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        f"{path}, line 2",
        f"{path}, line 3",
    ]


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "the file is empty"),
        ("name,consent\n", "no rows to import"),
        ("name,aliases,colour\nSarah,,red\n", "line 1: column 3 is not one of"),
        ("name,aliases\nSarah Jones,\n", "line 1: no consent column"),
    ],
)
def test_a_bad_file_is_refused(store, tmp_path, text, reason):
    path = write(tmp_path, text)
    with pytest.raises(RegisterImportError, match=reason):
        import_csv(store, KEY, path, actor="U0DANA", at=NOW)
    assert list_people(store) == []


def test_missing_file_and_wrong_encoding(store, tmp_path):
    with pytest.raises(RegisterImportError, match="no such file"):
        import_csv(store, KEY, tmp_path / "nope.csv", actor="U0DANA", at=NOW)
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "Amélie Durand,,yes,,,\n").encode("latin-1"))
    with pytest.raises(RegisterImportError, match="not UTF-8"):
        import_csv(store, KEY, latin, actor="U0DANA", at=NOW)


def test_excel_csv_with_bom_synonyms_comments_and_quoted_line_breaks(store, tmp_path):
    text = (
        "\ufeffName,Alias,Consent,Expires\n# a comment row\n\n"
        '"Sarah\nJones",Sal,YES,2027-01-31\nTom Baker,,No,\n'
    )
    result = import_csv(store, KEY, write(tmp_path, text), actor="U0DANA", at=NOW)
    assert result.labels == {4: "person 1", 6: "person 2"}  # where each record starts


def test_the_whole_import_is_one_transaction(store, tmp_path, monkeypatch):
    calls = []

    def failing_audit(*args, **kwargs):
        calls.append(kwargs.get("label"))
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_audit", failing_audit)
    with pytest.raises(RuntimeError):
        import_csv(store, KEY, write(tmp_path, GOOD), actor="U0DANA", at=NOW)
    monkeypatch.undo()
    assert calls == ["P-014", "volunteer, Tuesday group"]
    assert list_people(store) == [] and People(store).all() == []


@pytest.mark.parametrize("key", [None, "", "short key"])
def test_a_missing_or_short_key_is_refused(store, tmp_path, key):
    with pytest.raises(RegisterKeyError, match="COUNTERSIGN_SECRET_KEY"):
        import_csv(store, key, write(tmp_path, GOOD), actor="U0DANA", at=NOW)
    with pytest.raises(RegisterKeyError, match="at least 16"):
        add_person(store, key, name="Sarah Jones", consent=True, actor="U0DANA", at=NOW)
    assert list_people(store) == []


def test_another_key_is_refused_once_the_register_has_entries(store, tmp_path):
    import_csv(store, KEY, write(tmp_path, GOOD), actor="U0DANA", at=NOW)
    before = snapshot(store)
    other = "another key, also long enough"
    with pytest.raises(RegisterKeyError, match="not the key the register was built with"):
        add_person(store, other, name="Ann Other", consent=True, actor="U0DANA", at=NOW)
    with pytest.raises(RegisterKeyError, match="not the key"):
        load_register(store, other)
    with pytest.raises(RegisterKeyError, match="not set"):
        load_register(store, None)
    assert snapshot(store) == before


def test_an_empty_register_needs_no_key(store):
    assert load_register(store, None).find("Sarah Jones") == []


def test_the_database_holds_no_name_in_plain_text(tmp_path):
    path = tmp_path / "c.db"
    store = open_store(path)
    import_csv(store, KEY, write(tmp_path, GOOD), actor="U0DANA", at=NOW)
    add_person(
        store,
        KEY,
        name="Zebedee Quint",
        aliases="Zeb",
        consent="yes",
        label="P-200",
        actor="U0DANA",
        at=NOW,
    )
    remove_person(store, "person 1", "U0DANA", NOW)
    store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("c.db*"))
    assert b"P-014" in stored and b"P-200" in stored  # the test can see what is there
    for name in (*NAMES, "Zebedee", "Quint", "Zeb"):
        for spelling in {name, name.lower(), name.upper()}:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert spelling.encode(encoding) not in stored, (spelling, encoding)


def test_add_update_consent_and_remove_by_label(store):
    added = add_person(
        store,
        KEY,
        name="Sarah Jones",
        aliases=["Sal"],
        consent="yes",
        expires="2027-01-31",
        platforms="x",
        label="P-014",
        actor="U0DANA",
        at=NOW,
    )
    assert added.added == ("P-014",)
    updated = add_person(
        store,
        KEY,
        name="Sarah Jones",
        aliases="Sal;SJ",
        consent=True,
        label="P-014",
        actor="U0DANA",
        at=NOW,
    )
    assert updated.updated == ("P-014",)
    assert [p.describe() for p in list_people(store)] == [
        "P-014: consent yes, all platforms, 3 names"
    ]
    assert set_consent(store, "P-014", consent="no", actor="U0DANA", at=NOW)
    assert not set_consent(store, "P-999", consent="no", actor="U0DANA", at=NOW)
    assert list_people(store)[0].consent is False
    assert remove_person(store, " P-014 ", "U0DANA", NOW) is True
    assert remove_person(store, "P-014", "U0DANA", NOW) is False
    assert list_people(store) == []
    assert load_register(store, KEY).find("Sarah Jones") == []
    actions = [(a["action"], a["detail"]) for a in store.audit_log()]
    assert [a for a, _ in actions] == [
        "person_added",
        "person_updated",
        "person_updated",
        "person_removed",
    ]
    for _, detail in actions:
        assert '"label": "P-014"' in detail and "Sarah" not in detail and "Sal" not in detail


@pytest.mark.parametrize(
    "fields,reason",
    [
        ({"consent": "maybe"}, "consent must be yes or no"),
        ({"expires": "2027-13-01"}, "the expiry date must be a date"),
        ({"platforms": "myspace"}, "platform 1 is not one we publish to"),
        ({"name": " "}, "the name is empty"),
        ({"label": "Sarah's group"}, "the label contains the person's name"),
        ({"label": "x" * 65}, "longer than 64"),
        ({"label": "P-1\nP-2"}, "line break"),
    ],
)
def test_add_refuses_with_the_reason_and_stores_nothing(store, fields, reason):
    args = {"name": "Sarah Jones", "consent": "yes", "label": "P-014"} | fields
    with pytest.raises(PersonError, match=reason):
        add_person(store, KEY, actor="U0DANA", at=NOW, **args)
    assert list_people(store) == [] and store.audit_log() == []


def test_add_without_a_label_finds_its_entry_again(store):
    first = add_person(store, KEY, name="Sarah Jones", consent="yes", actor="U0DANA", at=NOW)
    again = add_person(store, KEY, name="SARAH JONES", consent="no", actor="U0DANA", at=NOW)
    assert first.added == again.updated == ("person 1",)


def test_the_stored_entry_matches_every_spelling(store):
    add_person(
        store,
        KEY,
        name="Sárah Jones",
        aliases="Sal",
        consent="yes",
        label="P-014",
        actor="U0DANA",
        at=NOW,
    )
    register = load_register(store, KEY)
    text = "SARAH  JONES’s team, Sarah Jones and #SarahJones; Sal too."
    assert [text[m.start : m.end] for m in register.find(text)] == [
        "SARAH  JONES",
        "Sarah Jones",
        "SarahJones",
        "Sal",
    ]
    [person] = People(store).all()
    assert name_hash(KEY.encode(), "sarah jones") in person.name_hashes
    assert person.max_tokens == 2 and person.names == 2


def test_list_is_in_natural_order(store):
    for n in (10, 2, 1):
        add_person(
            store,
            KEY,
            name=f"Person Number{n}",
            consent="yes",
            label=f"P-{n}",
            actor="U0DANA",
            at=NOW,
        )
    assert [p.label for p in list_people(store)] == ["P-1", "P-2", "P-10"]


def test_published_posts_that_name_an_entry_are_found_by_its_hashes(store):
    add_person(store, KEY, name="Sarah Jones", consent="yes", label="P-014", actor="U0DANA", at=NOW)
    ids = []
    for ts, text in (
        ("1.1", "Thanks Sarah Jones!"),
        ("1.2", "Our winter appeal"),
        ("1.3", "Sarah Jones again"),
    ):
        post, _ = store.create_post(
            source_channel="C1",
            source_ts=ts,
            proposer="U1",
            text=text,
            platforms=("x",),
            content_hash=ts,
            findings=[],
            status=PostStatus.APPROVED,
            at=NOW,
        )
        ids.append(post.id)
    for n, post_id in enumerate(ids[:2]):  # one post per platform per slot
        published(store, post_id, minute=n)
    assert posts_mentioning(store, KEY, "P-014") == [ids[0]]  # the third never went out
    with pytest.raises(PersonError, match="nobody"):
        posts_mentioning(store, KEY, "P-999")


def test_a_name_only_in_x_words_or_a_picture_description_is_found_too(store):
    """[8] item 6: withdrawn consent must find every published text that names the person."""
    from bot.domain.posts import Attachment

    add_person(store, KEY, name="Sarah Jones", consent="yes", label="P-014", actor="U0DANA", at=NOW)
    picture = Attachment("a.jpg", "0" * 64, "image/jpeg", 3, alt_text="Sarah Jones at the door")
    made = []
    for ts, variants, images in (
        ("2.1", {"x": "Thanks Sarah Jones!"}, ()),
        ("2.2", {}, ((picture, b"jpg"),)),
        ("2.3", {"x": "Thanks to our volunteers"}, ()),
    ):
        post, _ = store.create_post(
            source_channel="C1",
            source_ts=ts,
            proposer="U1",
            text="Our open day",
            platforms=("x",),
            content_hash=ts,
            findings=[],
            status=PostStatus.APPROVED,
            at=NOW,
            images=images,
            variants=variants,
        )
        published(store, post.id, minute=len(made))  # one post per platform per slot
        made.append(post.id)
    assert posts_mentioning(store, KEY, "P-014") == made[:2]


def published(store, post_id: int, *, minute: int = 0) -> None:
    """Approved by someone other than its proposer, queued (``minute`` past NOW: one post per
    platform per slot), claimed and published on X."""
    from bot.domain.review import Decision

    store.set_status(
        post_id,
        PostStatus.APPROVED,
        actor="U2",
        action="approved",
        at=NOW,
        review=Decision.APPROVE,
        queue={"x": NOW + timedelta(minutes=minute)},
    )
    [delivery] = store.deliveries_for(post_id)
    store.claim(delivery.id, at=NOW + timedelta(minutes=minute))
    store.mark_published(delivery.id, remote_id="r", url="u", at=NOW)


def test_the_migration_is_applied_after_the_first(store):
    assert [m.name for m in migrations.applied(store.db)][:2] == ["m001_initial", "m002_people"]
