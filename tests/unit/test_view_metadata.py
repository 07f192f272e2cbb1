"""A modal's private_metadata: signed, versioned, size-checked; anything changed in it is refused."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oppbot.slack import metadata
from oppbot.slack.metadata import TamperedMetadata, ViewMeta

META = ViewMeta(
    team_id="T1",
    number=42,
    version=3,
    channel_id="C1",
    ts="1700000000.000100",
    response_url="https://hooks.slack.com/actions/T1/1/x",
)


@pytest.fixture(autouse=True)
def key():
    metadata.configure("test-key", None)


def _payload(raw: str) -> dict:
    encoded = raw.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def _with_payload(raw: str, data: dict) -> str:
    version, _, signature = raw.split(".")
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{version}.{encoded}.{signature}"


def test_what_is_encoded_decodes_to_the_same_model():
    assert metadata.decode(metadata.encode(META)) == META


@pytest.mark.parametrize(
    ("short", "forged"),
    [("r", "https://attacker.example/x"), ("c", "C_OTHER"), ("ts", "1.2"), ("n", 7), ("t", "T2"), ("v", 99)],
)
def test_a_changed_field_is_refused(short, forged):
    raw = metadata.encode(META)
    tampered = _with_payload(raw, {**_payload(raw), short: forged})
    with pytest.raises(TamperedMetadata):
        metadata.decode(tampered)


@pytest.mark.parametrize(
    "raw", ['{"t":"T1","n":42}', "2.e30.AAAA", "1..", "1.x.y", "x" * 3001, "1." + "e30" + ".short"]
)
def test_unsigned_or_malformed_metadata_is_refused(raw):
    with pytest.raises(TamperedMetadata):
        metadata.decode(raw)


def test_empty_metadata_is_an_empty_model_unless_a_submission_needs_it():
    assert metadata.decode("") == ViewMeta()
    with pytest.raises(TamperedMetadata):
        metadata.decode("", required=True)


def test_a_rotated_key_still_reads_forms_signed_with_the_old_one():
    old = metadata.encode(META)
    metadata.configure("new-key,test-key", None)
    assert metadata.decode(old) == META
    metadata.configure("new-key", None)
    with pytest.raises(TamperedMetadata):
        metadata.decode(old)


def test_without_an_explicit_key_the_signing_secret_derives_one():
    metadata.configure(None, "secret-a")
    raw = metadata.encode(META)
    metadata.configure(None, "secret-b")
    with pytest.raises(TamperedMetadata):
        metadata.decode(raw)


@given(st.text(max_size=200))
def test_any_string_decodes_or_is_refused_never_crashes(raw):
    with contextlib.suppress(TamperedMetadata):
        metadata.decode(raw)
